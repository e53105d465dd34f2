"""Transform template.yaml the way CloudFormation's SAM transform does, and
print the result as JSON: the resources a deploy would create. Local code
URIs are replaced by S3 ones, as `sam package` does. Used by the Go test
TestTransformedTemplate; needs aws-sam-translator."""
import json
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from samtranslator.translator.transform import transform  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402


class NoManagedPolicies:
    """The template names no managed policies, so none need looking up."""

    def load(self):
        return {}


with open(sys.argv[1]) as f:
    tpl = yaml_parse(f.read())
for name, res in tpl.get("Resources", {}).items():
    if res.get("Type") == "AWS::Serverless::Function":
        res["Properties"]["CodeUri"] = f"s3://punchline-artifacts/{name}.zip"
params = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws", "AWS::StackName": "punchline"}
json.dump(transform(tpl, params, NoManagedPolicies()), sys.stdout, indent=1, default=str)
