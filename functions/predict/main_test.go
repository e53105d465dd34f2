package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdaurl"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"punchline/pkg/media/mediatest"
	"punchline/pkg/platform/config"
	"punchline/pkg/platform/reqlog/logtest"
	"punchline/pkg/provider/providertest"
	"punchline/pkg/store/mototest"
)

func TestMain(m *testing.M) { mototest.Main(m) }

func envFunc(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// offlineHandler is the handler `make run` serves, with stores in a temp dir.
func offlineHandler(t testing.TB, baseURL string) (http.Handler, string) {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{"DATA_DIR": dir}
	cfg, err := config.LoadPredict(envFunc(env))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MediaBaseURL = baseURL
	h, closeFn, err := newHandler(context.Background(), cfg, envFunc(env), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeFn)
	return h, dir
}

// The handler driven through the real lambdaurl wrapper with the events/
// JSON that `sam local invoke` uses.
func TestLambdaURLEvents(t *testing.T) {
	h, _ := offlineHandler(t, "https://media.example")
	wrapped := lambdaurl.Wrap(h)
	tests := []struct {
		file   string
		status int
		typ    string // answer type, or error code
	}{
		{"predict.json", 200, "image"},
		{"predict-root-ru.json", 200, "image"},
		{"predict-base64.json", 200, "image"},
		{"predict-bad.json", 400, "BAD_REQUEST"},
		{"healthz.json", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "..", "events", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var ev events.LambdaFunctionURLRequest
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatalf("event %s: %v", tt.file, err)
			}
			resp, err := wrapped(context.Background(), &ev)
			if err != nil {
				t.Fatalf("wrapped handler: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if resp.Headers["Content-Type"] != "application/json" {
				t.Errorf("Content-Type %q", resp.Headers["Content-Type"])
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body not JSON: %s", body)
			}
			switch {
			case tt.status == 400:
				if got["error"].(map[string]any)["code"] != tt.typ {
					t.Errorf("body %s", body)
				}
			case tt.typ != "":
				u, _ := got["url"].(string)
				if got["type"] != tt.typ || !strings.HasPrefix(u, "https://media.example/media/") || !strings.HasSuffix(u, ".jpg") {
					t.Errorf("body %s", body)
				}
			}
		})
	}
}

// freePort returns a loopback port nobody listens on right now.
func freePortOn(t testing.TB, host string) string {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// startRun runs the real run() with env and waits for it to listen; its
// logs are kept in memory for the test to read.
func startRun(t testing.TB, env map[string]string) (base string, logs *logtest.Buffer) {
	t.Helper()
	logs = &logtest.Buffer{}
	return startRunLogging(t, env, logs), logs
}

// startRunLogging is startRun with the logs going to w (io.Discard for a
// load run, whose logs would otherwise fill the memory it measures).
func startRunLogging(t testing.TB, env map[string]string, w io.Writer) (base string) {
	t.Helper()
	host := "127.0.0.1"
	if a := env["LISTEN_ADDR"]; a != "" {
		host = a
	}
	port := freePortOn(t, host)
	env["PORT"] = port
	if _, set := env["JUDGE_HOLDOUT"]; !set {
		// Tests that check the judged winner must get it: the holdout's
		// random answers are tested where they are asked for.
		env["JUDGE_HOLDOUT"] = "0"
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, envFunc(env), w) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	base = "http://" + net.JoinHostPort(host, port)
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			return base
		}
		time.Sleep(20 * time.Millisecond)
	}
	if lb, ok := w.(*logtest.Buffer); ok {
		t.Fatalf("server did not come up; logs: %s", lb.String())
	}
	t.Fatal("server did not come up")
	return ""
}

// ok200 reads a response body, failing the test unless the call succeeded
// with 200.
func ok200(t *testing.T, what string, resp *http.Response, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", what, resp.StatusCode, body)
	}
	return body
}

func post(t *testing.T, url, body string) map[string]any {
	t.Helper()
	got, err := postAnswer(url, body)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// postAnswer is post for goroutines other than the test's: it returns the
// failure instead of ending the test.
func postAnswer(url, body string) (map[string]any, error) {
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, raw)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		return nil, fmt.Errorf("answer not JSON: %s", raw)
	}
	return got, nil
}

func getJPEG(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	data := ok200(t, "GET "+url, resp, err)
	if err := mediatest.CleanJPEG(data); err != nil {
		t.Fatalf("served file: %v", err)
	}
	if len(data) > 25<<20 {
		t.Fatalf("file is %d bytes, over 25 MB", len(data))
	}
	return data
}

// `make run` defaults: no keys, no AWS; the answer's URL serves a clean JPEG
// and the local results store records the result.
func TestRunOffline(t *testing.T) {
	dir := t.TempDir()
	base, logs := startRun(t, map[string]string{"DATA_DIR": dir})
	got := post(t, base+"/api/v1/predict", `{"result_id":1,"prompt":"кот и понедельник"}`)
	if got["type"] != "image" {
		t.Fatalf("answer %v", got)
	}
	getJPEG(t, got["url"].(string))

	results, err := os.ReadFile(filepath.Join(dir, "results.jsonl"))
	if err != nil || !strings.Contains(string(results), `"k":"1"`) || !strings.Contains(string(results), `"strategy":"offline-template"`) ||
		!strings.Contains(string(results), `"template_source":"house"`) {
		t.Errorf("results store: %v %s", err, results)
	}
	// Every request log line carries the result_id.
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"msg":"answer"`) && !strings.Contains(line, `"result_id":1`) {
			t.Errorf("answer log without result_id: %s", line)
		}
	}
}

// A local run is not on the network unless LISTEN_ADDR says so, and its
// media route reaches media files only (GET /media/..%2fresults.jsonl used
// to return every prompt).
func TestRunListensOnLoopbackAndConfinesMedia(t *testing.T) {
	for _, addr := range []string{"", "::1"} {
		t.Run("LISTEN_ADDR="+addr, func(t *testing.T) {
			env := map[string]string{"DATA_DIR": t.TempDir()}
			if addr != "" {
				if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
					t.Skipf("no IPv6 loopback here: %v", err)
				} else {
					ln.Close()
				}
				env["LISTEN_ADDR"] = addr
			}
			base, logs := startRun(t, env)
			want := map[string]string{"": `"addr":"127.0.0.1:`, "::1": `"addr":"[::1]:`}[addr]
			if !strings.Contains(logs.String(), want) {
				t.Errorf("listening line without %s: %s", want, logs.String())
			}
			got := post(t, base+"/", `{"result_id":7,"prompt":"a secret prompt"}`)
			u, err := url.Parse(got["url"].(string))
			if wantHost := map[string]string{"": "localhost", "::1": "::1"}[addr]; err != nil || u.Hostname() != wantHost {
				t.Fatalf("media link %v: %v", got["url"], err)
			}
			getJPEG(t, u.String()) // the link itself reaches the listener
			for _, p := range []string{"/media/..%2fresults.jsonl", "/media/%2e%2e/results.jsonl", "/results.jsonl", "/media/..%2f..%2fetc/passwd"} {
				resp, err := http.Get(base + p)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK || strings.Contains(string(body), "secret") {
					t.Errorf("GET %s = %d %q", p, resp.StatusCode, body)
				}
			}
		})
	}
}

// The deployed shape, end to end: real go-openai client against the
// provider test server, S3 and DynamoDB on moto_server.
func TestRunOnlineAgainstMotoAndProvider(t *testing.T) {
	moto := mototest.Start(t)
	bucket, table := moto.Bucket(t), moto.ResultsTable(t)
	prov := providertest.New()
	defer prov.Close()
	provURL, _ := url.Parse(prov.URL)

	env := moto.Env()
	env["MEDIA_BUCKET"] = bucket
	env["RESULTS_TABLE"] = table
	env["PROVIDER_API_KEY"] = "test-key"
	env["PROVIDER_BASE_URL"] = prov.URL
	env["CHAT_MODEL"] = "openai/gpt-4.1-mini-2025-04-14"
	env["IMAGE_MODELS"] = "flux/schnell"
	env["FETCH_ALLOW_HOSTS"] = provURL.Host // the provider's image URLs are on loopback
	env["DATA_DIR"] = t.TempDir()
	env["SPECULATE"] = "off" // one image call per meme, to count them
	env["RECIPES"] = "scene" // captions over a generated picture (the judged engine has its own test)
	base, logs := startRun(t, env)

	got := post(t, base+"/", `{"result_id":"4242","prompt":"Cybercab steering wheel confuses Tesla's robot vibe"}`)
	if got["type"] != "image" {
		t.Fatalf("answer %v; logs %s", got, logs.String())
	}
	u := got["url"].(string)
	if !strings.Contains(u, "X-Amz-Signature=") || !strings.Contains(u, bucket) {
		t.Errorf("url %s is not a presigned S3 URL", u)
	}
	jpg := getJPEG(t, u) // anonymous fetch of the presigned URL
	// One generator call, two judgings (shuffled and reversed), one picture.
	if prov.Chats.Load() != 3 || prov.Judges.Load() != 2 || prov.Images.Load() != 1 || prov.Files.Load() != 1 {
		t.Errorf("provider calls: chat %d image %d file %d", prov.Chats.Load(), prov.Images.Load(), prov.Files.Load())
	}
	if req := prov.LastImageRequest(); req["image_size"] != "square_hd" || !strings.Contains(fmt.Sprint(req["prompt"]), "robot shrugging") {
		t.Errorf("image request %v", req)
	}

	out, err := moto.DynamoDB().GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key:       map[string]types.AttributeValue{"result_id": &types.AttributeValueMemberN{Value: "4242"}},
	})
	if err != nil || out.Item == nil {
		t.Fatalf("GetItem: %v", err)
	}
	want := map[string]string{
		"type": "image", "strategy": "llm-classic", "chat_model": "openai/gpt-4.1-mini-2025-04-14", "image_model": "flux/schnell",
		"lang": "en", "caption": "when the test server / answers like a real provider ha ha ha", // the judge picks the longest
		"prompt": "Cybercab steering wheel confuses Tesla's robot vibe",
	}
	for k, v := range want {
		if s, ok := out.Item[k].(*types.AttributeValueMemberS); !ok || s.Value != v {
			t.Errorf("%s = %#v, want %q", k, out.Item[k], v)
		}
	}
	if order, ok := out.Item["image_order"].(*types.AttributeValueMemberL); !ok || len(order.Value) != 1 {
		t.Errorf("image_order = %#v", out.Item["image_order"])
	}
	for _, k := range []string{"created_at", "media_key", "text"} {
		if _, ok := out.Item[k].(*types.AttributeValueMemberS); !ok {
			t.Errorf("%s missing", k)
		}
	}
	if n, ok := out.Item["bytes"].(*types.AttributeValueMemberN); !ok || n.Value != fmt.Sprint(len(jpg)) {
		t.Errorf("bytes = %#v, want %d", out.Item["bytes"], len(jpg))
	}
	for _, k := range []string{"latency_ms", "stage_ms"} {
		if _, ok := out.Item[k]; !ok {
			t.Errorf("%s missing", k)
		}
	}
	if s, ok := out.Item["status"].(*types.AttributeValueMemberS); !ok || s.Value != "done" {
		t.Errorf("status = %#v, want done", out.Item["status"])
	}

	// The arena retries: the same result_id gets the same file, at once,
	// through the status in the DynamoDB item.
	start := time.Now()
	again := post(t, base+"/", `{"result_id":4242,"prompt":"Cybercab steering wheel confuses Tesla's robot vibe"}`)
	if path(again["url"]) != path(got["url"]) || time.Since(start) > time.Second || prov.Images.Load() != 1 {
		t.Errorf("retry: %v after %v with %d image calls; first answer %v", again, time.Since(start), prov.Images.Load(), got)
	}

	// Duplicates of a new result_id that arrive while the first is still
	// making it wait for its meme: one meme between them. They come once
	// the first one's claim is in the table: moto does not serialise
	// conditional writes that arrive at the same instant (DynamoDB does),
	// and under load two of them could both succeed; simultaneous claims
	// are tested on the pipeline's in-memory store (TestIdempotentResultID).
	prov.Set(func(b *providertest.Behavior) { b.ImageDelay = 700 * time.Millisecond })
	var wg sync.WaitGroup
	answers := make([]map[string]any, 3)
	ask := func(i int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := postAnswer(base+"/", `{"result_id":4343,"prompt":"a concurrent duplicate"}`)
			if err != nil {
				t.Error(err)
			}
			answers[i] = a
		}()
	}
	ask(0)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		out, err := moto.DynamoDB().GetItem(context.Background(), &dynamodb.GetItemInput{
			TableName: aws.String(table), ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"result_id": &types.AttributeValueMemberN{Value: "4343"}},
		})
		if err == nil && out.Item["status"] != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first duplicate never claimed 4343: %v", err)
		}
	}
	ask(1)
	ask(2)
	wg.Wait()
	if prov.Images.Load() != 2 {
		t.Errorf("%d image calls for 2 result ids; logs:\n%s", prov.Images.Load(), logs.String())
	}
	for _, a := range answers {
		if a["type"] != "image" || path(a["url"]) != path(answers[0]["url"]) {
			t.Errorf("duplicate answers differ: %v vs %v", a, answers[0])
		}
	}

	// Someone who guesses a future result_id cannot pre-set the meme the
	// arena gets for it: the claim binds the prompt, so the arena's request
	// gets a meme of its own, and the first record is left as it was and
	// marked with a conflict for analysts.
	prov.Set(func(b *providertest.Behavior) { b.ImageDelay = 0 })
	preset := post(t, base+"/", `{"result_id":5000,"prompt":"an attacker's preset joke"}`)
	arena := post(t, base+"/", `{"result_id":5000,"prompt":"the arena's real prompt"}`)
	if arena["type"] != "image" || path(arena["url"]) == path(preset["url"]) || prov.Images.Load() != 4 {
		t.Errorf("arena's answer %v, preset %v, %d image calls", arena, preset, prov.Images.Load())
	}
	// Same prompt up to white space is the same request: a retry.
	retry := post(t, base+"/", `{"result_id":5000,"prompt":"  an attacker's   preset joke "}`)
	if path(retry["url"]) != path(preset["url"]) || prov.Images.Load() != 4 {
		t.Errorf("retry of the first prompt %v, want %v", retry, preset)
	}
	out, err = moto.DynamoDB().GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key:       map[string]types.AttributeValue{"result_id": &types.AttributeValueMemberN{Value: "5000"}},
	})
	if err != nil || out.Item == nil {
		t.Fatalf("GetItem 5000: %v", err)
	}
	if p, _ := out.Item["prompt"].(*types.AttributeValueMemberS); p == nil || p.Value != "an attacker's preset joke" {
		t.Errorf("prompt = %#v, want the first record's", out.Item["prompt"])
	}
	if n, _ := out.Item["conflicts"].(*types.AttributeValueMemberN); n == nil || n.Value != "1" {
		t.Errorf("conflicts = %#v, want 1", out.Item["conflicts"])
	}
	if h, _ := out.Item["prompt_hash"].(*types.AttributeValueMemberS); h == nil || len(h.Value) != 32 {
		t.Errorf("prompt_hash = %#v", out.Item["prompt_hash"])
	}
	if !strings.Contains(logs.String(), "result_id claimed with another prompt") {
		t.Errorf("no conflict warning in logs")
	}
}

// path is a URL without its query (a presigned URL is signed anew each time).
func path(u any) string {
	s, _ := u.(string)
	p, err := url.Parse(s)
	if err != nil || s == "" {
		return "(no url)"
	}
	return p.Host + p.Path
}

// A provider that fails still gets the arena an image: the ladder drops to
// an offline template meme, and says so in the record.
func TestRunOnlineProviderDownFallsBack(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	prov.Set(func(b *providertest.Behavior) { b.ChatStatus, b.ImageStatus = 500, 503 })
	dir := t.TempDir()
	base, _ := startRun(t, map[string]string{
		"DATA_DIR": dir, "PROVIDER_API_KEY": "k", "PROVIDER_BASE_URL": prov.URL, "IMAGE_MODELS": "flux/schnell,flux/dev",
	})
	got := post(t, base+"/", `{"result_id":5,"prompt":"кот и понедельник"}`)
	if got["type"] != "image" {
		t.Fatalf("answer %v", got)
	}
	getJPEG(t, got["url"].(string))
	results, _ := os.ReadFile(filepath.Join(dir, "results.jsonl"))
	if !strings.Contains(string(results), `"fallback":"plan"`) || !strings.Contains(string(results), `"strategy":"offline-template"`) {
		t.Errorf("record does not show the fallback: %s", results)
	}
	if prov.Images.Load() != 2 {
		t.Errorf("image calls = %d, want one per model", prov.Images.Load())
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	err := run(context.Background(), envFunc(map[string]string{"DEADLINE": "soon"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DEADLINE") {
		t.Fatalf("err = %v", err)
	}
}

// The deployed configuration with the key parameter missing (a typo, the
// wrong region): run() still starts and every invoke gets a 200 meme, not
// the 502 a failed init would give.
func TestRunWithKeyParameterMissing(t *testing.T) {
	moto := mototest.Start(t)
	env := moto.Env()
	env["MEDIA_BUCKET"] = moto.Bucket(t)
	env["RESULTS_TABLE"] = moto.ResultsTable(t)
	env["STATE_TABLE"] = moto.StateTable(t)
	env["PROVIDER_API_KEY_PARAM"] = fmt.Sprintf("/punchline-test/%d/missing", time.Now().UnixNano())
	env["DATA_DIR"] = t.TempDir()
	prov := providertest.New() // the cold-start catalogue check needs no key
	defer prov.Close()
	env["PROVIDER_BASE_URL"] = prov.URL
	base, logs := startRun(t, env)
	got := post(t, base+"/", `{"result_id":31337,"prompt":"when the key is missing"}`)
	if got["type"] != "image" {
		t.Fatalf("answer %v; logs %s", got, logs.String())
	}
	getJPEG(t, got["url"].(string))
	if !strings.Contains(logs.String(), `"SecretsUnreadable":1`) || !strings.Contains(logs.String(), "secret unreadable") {
		t.Errorf("no ERROR line or metric for the missing key:\n%s", logs.String())
	}
}
