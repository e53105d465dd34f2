package samtemplate

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// python returns a Python that has aws-sam-translator: the system's, or
// the project venv's that `make deps` makes where it is missing.
func python(t *testing.T, root string) string {
	t.Helper()
	for _, py := range []string{filepath.Join(root, ".venv", "bin", "python3"), "python3"} {
		if exec.Command(py, "-c", "import samtranslator").Run() == nil {
			return py
		}
	}
	t.Fatal("no Python with aws-sam-translator: run make deps")
	return ""
}

// transformed is template.yaml after the SAM transform, as CloudFormation
// sees it at deploy.
type transformed struct {
	Parameters map[string]struct {
		Default any
		NoEcho  any
	}
	Resources map[string]struct {
		Type       string
		Condition  string
		Properties map[string]any
	}
}

func transform(t *testing.T) (transformed, string) {
	t.Helper()
	path, err := Path()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(path)
	// Read here, not only by Python, so that go test's cache knows the
	// result depends on them.
	for _, f := range []string{path, filepath.Join("testdata", "transform.py")} {
		if _, err := os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(python(t, root), filepath.Join("testdata", "transform.py"), path).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("SAM transform: %v\n%s", err, msg)
	}
	var tpl transformed
	if err := json.Unmarshal(out, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl, string(out)
}

// What a deploy creates: alarms that page through the topic, a dashboard
// whose body is valid JSON, stats passes kept apart by a lease (no reserved
// concurrency) with failures queued, a predict URL that needs a token by
// default, and no secret in any function's environment.
func TestTransformedTemplate(t *testing.T) {
	tpl, raw := transform(t)
	res := tpl.Resources

	for _, name := range []string{"PredictUrl5xxAlarm", "PredictErrorsAlarm", "PredictThrottlesAlarm", "StatsErrorsAlarm",
		"PredictLatencyAlarm", "DegradedAnswersAlarm", "SecretsUnreadableAlarm", "BudgetReachedAlarm", "StatsStaleAlarm", "StatsFailureQueueAlarm"} {
		a, ok := res[name]
		if !ok || a.Type != "AWS::CloudWatch::Alarm" {
			t.Errorf("no alarm %s", name)
			continue
		}
		if actions, _ := json.Marshal(a.Properties["AlarmActions"]); !strings.Contains(string(actions), `{"Ref":"AlarmTopic"}`) {
			t.Errorf("%s does not page through AlarmTopic: %s", name, actions)
		}
	}
	if res["AlarmTopic"].Type != "AWS::SNS::Topic" || res["AlarmEmailSubscription"].Condition != "HasAlarmEmail" {
		t.Errorf("alarm topic %v, subscription %v", res["AlarmTopic"], res["AlarmEmailSubscription"])
	}

	// The dashboard body is a Fn::Sub string; with its ${…} filled in it
	// must be JSON CloudWatch accepts.
	body, _ := res["Dashboard"].Properties["DashboardBody"].(map[string]any)["Fn::Sub"].(string)
	filled := regexp.MustCompile(`\$\{[A-Za-z:]+\}`).ReplaceAllString(body, "x")
	var dash struct {
		Widgets []struct{ Properties struct{ Title string } }
	}
	if err := json.Unmarshal([]byte(filled), &dash); err != nil || len(dash.Widgets) < 6 {
		t.Fatalf("dashboard body: %v (%d widgets)", err, len(dash.Widgets))
	}
	for _, want := range []string{"by rung", "Answers by type", "Provider errors", "judge", "Stats passes"} {
		found := false
		for _, w := range dash.Widgets {
			found = found || strings.Contains(w.Properties.Title, want)
		}
		if !found {
			t.Errorf("no dashboard widget about %q", want)
		}
	}

	stats := res["StatsFunction"].Properties
	if _, ok := stats["ReservedConcurrentExecutions"]; ok {
		t.Error("StatsFunction reserves concurrency (a new account's quota of 10 cannot)")
	}
	inv, _ := json.Marshal(res["StatsFunctionEventInvokeConfig"].Properties)
	if !strings.Contains(string(inv), `"OnFailure":{"Destination":{"Fn::GetAtt":["StatsFailureQueue","Arn"]}`) {
		t.Errorf("no OnFailure queue for the schedule: %s", inv)
	}
	statsRole, _ := json.Marshal(res["StatsFunctionRole"].Properties)
	if !strings.Contains(string(statsRole), `"dynamodb:LeadingKeys":["lease/stats"]`) {
		t.Errorf("the stats role cannot take its lease: %s", statsRole)
	}

	if p := tpl.Parameters["AuthTokenParam"].Default; p == "" || p == nil {
		t.Errorf("AuthTokenParam defaults to %v: the URL would be open by default", p)
	}
	predictEnv, _ := json.Marshal(res["PredictFunction"].Properties["Environment"])
	if !strings.Contains(string(predictEnv), `"AUTH_TOKEN_PARAM"`) {
		t.Errorf("predict does not read its token: %s", predictEnv)
	}
	for name, r := range res {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		env, _ := r.Properties["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		for k := range vars {
			if regexp.MustCompile(`(KEY|TOKEN|SECRET|PASSWORD)$`).MatchString(k) {
				t.Errorf("%s has the secret %s in its environment (readable with GetFunctionConfiguration)", name, k)
			}
		}
	}
	for name, p := range tpl.Parameters {
		if p.NoEcho != nil {
			t.Errorf("parameter %s is NoEcho: secrets go in SSM, not parameters that end up in an environment", name)
		}
	}
	if strings.Contains(raw, "kms:Decrypt") {
		t.Error("a role grants kms:Decrypt (the aws/ssm key needs none)")
	}
	url, _ := json.Marshal(res["PredictFunctionUrl"].Properties)
	if !strings.Contains(string(url), `"InvokeMode":"RESPONSE_STREAM"`) {
		t.Errorf("function URL %s", url)
	}
}
