// Package awsenv builds AWS SDK configuration and clients from an
// environment given as getenv, so a function's run() sees only the
// environment it was handed (on Lambda, the real one). Endpoint overrides
// follow the SDK's names: AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>.
package awsenv

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Env is an AWS configuration and the environment it came from.
type Env struct {
	Config aws.Config
	getenv func(string) string
}

// Load is the SDK's default chain, with region, static keys and
// AWS_ENDPOINT_URL taken through getenv.
func Load(ctx context.Context, getenv func(string) string) (*Env, error) {
	var opts []func(*awsconfig.LoadOptions) error
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	if id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))))
	}
	if ep := getenv("AWS_ENDPOINT_URL"); ep != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(ep))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("aws config: %w", err)
	}
	return &Env{Config: cfg, getenv: getenv}, nil
}

// endpoint is AWS_ENDPOINT_URL_<SERVICE> when set, else current (the shared
// AWS_ENDPOINT_URL, or nil for the real service).
func (e *Env) endpoint(service string, current *string) *string {
	if ep := e.getenv("AWS_ENDPOINT_URL_" + service); ep != "" {
		return aws.String(ep)
	}
	return current
}

// DynamoDB returns a DynamoDB client.
func (e *Env) DynamoDB() *dynamodb.Client {
	return dynamodb.NewFromConfig(e.Config, func(o *dynamodb.Options) {
		o.BaseEndpoint = e.endpoint("DYNAMODB", o.BaseEndpoint)
	})
}

// S3 returns an S3 client; with an endpoint override (moto, local S3) it
// addresses buckets by path, not subdomain.
func (e *Env) S3() *s3.Client {
	return s3.NewFromConfig(e.Config, func(o *s3.Options) {
		o.BaseEndpoint = e.endpoint("S3", o.BaseEndpoint)
		o.UsePathStyle = o.BaseEndpoint != nil
		// S3-compatible servers (moto) send no checksums; the SDK would log a
		// DEBUG line per GetObject to stderr.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
}

// SSM returns an SSM client.
func (e *Env) SSM() *ssm.Client {
	return ssm.NewFromConfig(e.Config, func(o *ssm.Options) {
		o.BaseEndpoint = e.endpoint("SSM", o.BaseEndpoint)
	})
}
