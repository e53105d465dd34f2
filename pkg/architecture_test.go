// Package pkg holds only this test: the import rules that keep the
// architecture of docs/architecture.md ("Package map") true as it grows.
package pkg

import (
	"errors"
	"fmt"
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// rule forbids packages whose path starts with from to depend, directly or
// transitively, on packages whose path starts with any of to (except
// themselves and the allowed).
type rule struct {
	from  string
	to    []string
	allow []string
	why   string
}

const sdk = "github.com/aws/aws-sdk-go-v2"

var rules = []rule{
	{from: "punchline/pkg/meme", to: []string{"punchline/"},
		why: "the domain is pure: it imports no package of ours"},
	{from: "punchline/pkg/serve/", to: []string{sdk, "github.com/aws/aws-lambda-go"},
		why: "serving is written against small interfaces; AWS lives in the stores and the functions"},
	{from: "punchline/pkg/media/", to: []string{sdk, "github.com/sashabaranov/go-openai", "punchline/pkg/store", "punchline/pkg/provider"},
		why: "media turns pictures and text into files and knows nothing of where they come from or go"},
	{from: "punchline/pkg/", to: []string{
		"punchline/pkg/provider/providertest", "punchline/pkg/store/mototest", "punchline/pkg/media/mediatest",
		"punchline/pkg/stats/arena/arenatest", "punchline/pkg/stats/modelchorus/chorustest", "punchline/pkg/platform/reqlog/logtest"},
		allow: []string{"punchline/pkg/tools/"},
		why:   "test helpers are for tests and local tools, never for code that ships"},
	{from: "punchline/functions/stats", to: []string{"punchline/pkg/media/"},
		why: "the stats function draws nothing: media would put 14 MB of fonts into its zip"},
	{from: "punchline/pkg/learn", to: []string{"punchline/pkg/media/"},
		why: "the policy runs in the stats function, which draws nothing"},
	{from: "punchline/functions/", to: []string{"punchline/functions/", "punchline/pkg/tools/"},
		why: "a function is wiring for one Lambda; it shares code only through pkg/"},
}

// violations lists every dependency that breaks a rule.
func violations(deps map[string][]string, rules []rule) []string {
	var out []string
	for pkg, ds := range deps {
		for _, r := range rules {
			if !strings.HasPrefix(pkg, r.from) || hasPrefix(pkg, r.allow) {
				continue
			}
			for _, d := range ds {
				if d != pkg && hasPrefix(d, r.to) {
					out = append(out, pkg+" depends on "+d+": "+r.why)
				}
			}
		}
	}
	return out
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// moduleDeps is every package of the module with its transitive imports:
// ours followed through, others as imported (tests excluded: a _test file
// may import any helper). The sources are read in-process, so go test's
// cache sees a changed import.
func moduleDeps(t *testing.T) map[string][]string {
	t.Helper()
	root := ".."
	direct := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if path != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(path, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rel, _ := filepath.Rel(root, path)
		direct[filepath.ToSlash(filepath.Join("punchline", rel))] = p.Imports
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	deps := map[string][]string{}
	for pkg := range direct {
		seen := map[string]bool{}
		var visit func(string)
		visit = func(p string) {
			for _, d := range direct[p] {
				if !seen[d] {
					seen[d] = true
					visit(d)
				}
			}
		}
		visit(pkg)
		for d := range seen {
			deps[pkg] = append(deps[pkg], d)
		}
	}
	return deps
}

func TestImportRules(t *testing.T) {
	deps := moduleDeps(t)
	if len(deps) < 20 {
		t.Fatalf("go list found %d packages; run from the module", len(deps))
	}
	for _, v := range violations(deps, rules) {
		t.Error(v)
	}
}

// The checker itself: each rule catches a dependency that breaks it.
func TestViolationsCatchBreaks(t *testing.T) {
	tests := []struct {
		name string
		deps map[string][]string
		want int
	}{
		{"clean", map[string][]string{
			"punchline/pkg/meme":                  {"errors", "fmt"},
			"punchline/pkg/serve/pipeline":        {"punchline/pkg/meme", "punchline/pkg/media/render"},
			"punchline/pkg/store/dynamo":          {sdk + "/service/dynamodb", "punchline/pkg/meme"},
			"punchline/pkg/tools/arenafake":       {"punchline/pkg/stats/arena/arenatest"},
			"punchline/pkg/provider/providertest": {"net/http"},
			"punchline/functions/predict":         {"punchline/pkg/store", sdk + "/service/ssm"},
		}, 0},
		{"domain imports ours", map[string][]string{"punchline/pkg/meme": {"punchline/pkg/platform/wait"}}, 1},
		{"pipeline reaches the SDK through a store", map[string][]string{
			"punchline/pkg/serve/pipeline": {"punchline/pkg/store/dynamo", sdk + "/service/dynamodb"}}, 1},
		{"render imports go-openai", map[string][]string{
			"punchline/pkg/media/render": {"github.com/sashabaranov/go-openai"}}, 1},
		{"shipping code imports a fake", map[string][]string{
			"punchline/pkg/stats/statsync": {"punchline/pkg/stats/arena/arenatest"}}, 1},
		{"the stats function reaches fonts through the policy", map[string][]string{
			"punchline/functions/stats": {"punchline/pkg/learn", "punchline/pkg/media/render"},
			"punchline/pkg/learn":       {"punchline/pkg/media/offline"}}, 2},
		{"a function imports another", map[string][]string{
			"punchline/functions/stats": {"punchline/functions/predict"}}, 1},
	}
	for _, tt := range tests {
		if got := violations(tt.deps, rules); len(got) != tt.want {
			t.Errorf("%s: %d violations, want %d: %v", tt.name, len(got), tt.want, got)
		}
	}
}
