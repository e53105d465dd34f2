package joke

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/provider/providertest"
)

// Through the AIML stand-in, every body the engine sends passes its
// model's published schema: the generator's (JSON mode, temperature 1)
// and Claude's judgings (top-level system, a real zero temperature, the
// pictures as base64 image blocks).
func TestBodiesSentPassTheirSchemas(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	// A long slice: drawing four templates takes seconds under -race.
	e := engine(t, prov, Options{Can: Can{Image: true}, Vision: true, Recipes: []string{"template"}, JudgeSlice: 30 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	plan, err := e.Plan(ctx, "Cats vs dogs")
	if err != nil {
		t.Fatal(err)
	}
	if r := prov.Refusals(); len(r) > 0 {
		t.Fatalf("refused: %q", r)
	}
	if len(plan.JudgeRank) == 0 || plan.JudgeModel != judgeModel || plan.ChatModel != writerModel {
		t.Fatalf("plan %+v", plan.Choice)
	}
	body := prov.LastChatRequest() // a judging: the generator went first
	if body["system"] == nil || body["temperature"] != float64(0) {
		t.Errorf("judge body: system %v, temperature %v", body["system"] != nil, body["temperature"])
	}
	parts, _ := body["messages"].([]any)[0].(map[string]any)["content"].([]any)
	images := 0
	for _, p := range parts {
		if p.(map[string]any)["type"] == "image" {
			images++
		}
	}
	if images == 0 {
		t.Errorf("the judge saw no picture: %d parts", len(parts))
	}
}

// A generator the provider no longer serves hands over once to the next
// live one; an account the provider refuses does not hand over.
func TestGeneratorHandsOver(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	prov.Set(func(b *providertest.Behavior) { b.Deprecated = []string{writerModel} })
	var logs bytes.Buffer
	e := engine(t, prov, Options{Can: Can{Image: true}, Models: func() []string { return []string{writerModel, "google/gemini-2.5-flash"} },
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	plan, err := e.Plan(ctx, "Cats vs dogs")
	if err != nil {
		t.Fatal(err)
	}
	if plan.ChatModel != "google/gemini-2.5-flash" || prov.Calls(writerModel) != 1 {
		t.Errorf("written by %q after %d calls to the gone model", plan.ChatModel, prov.Calls(writerModel))
	}
	if !strings.Contains(logs.String(), "handing over") {
		t.Errorf("no log of the hand-over: %s", logs.String())
	}

	out := providertest.New()
	defer out.Close()
	out.Set(func(b *providertest.Behavior) { b.Account = providertest.AccountNoCredits })
	e = engine(t, out, Options{Can: Can{Image: true}, Models: func() []string { return []string{writerModel, "google/gemini-2.5-flash"} }})
	if _, err := e.Plan(ctx, "Cats vs dogs"); err == nil || out.Chats.Load() != 1 {
		t.Errorf("out of credits: %v after %d calls, want one call and an error", err, out.Chats.Load())
	}
}

// A failed judge says why, once, in the log.
func TestJudgeFailureIsLogged(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	prov.Set(func(b *providertest.Behavior) { b.JudgeStatus = 503 })
	var logs bytes.Buffer
	e := engine(t, prov, Options{Can: Can{Image: true}, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	plan, err := e.Plan(ctx, "Cats vs dogs")
	if err != nil || len(plan.JudgeRank) != 0 {
		t.Fatalf("%v %+v", err, plan.Choice)
	}
	line := logs.String()
	if strings.Count(line, "judge failed") != 1 || !strings.Contains(line, "503") || !strings.Contains(line, judgeModel) {
		t.Errorf("log %s", line)
	}
}

// A judge that looks but whose pictures are late judges the descriptions,
// on time: drawing cannot outlive the judge's slice.
func TestLatePicturesDoNotHoldTheJudge(t *testing.T) {
	prov := providertest.New()
	defer prov.Close()
	var logs bytes.Buffer
	e := engine(t, prov, Options{Can: Can{Image: true}, Vision: true, Recipes: []string{"template"}, JudgeSlice: time.Millisecond,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	start := time.Now()
	rank := e.judge(context.Background(), judgeModel, e.Brief("Cats vs dogs", house(t).Usable(), seeded(3)()),
		[]meme.Candidate{{Recipe: "template", Template: "two-buttons", Captions: []string{"a", "b", "c"}}, {Recipe: "text", Captions: []string{"x"}}},
		house(t), seeded(3)())
	if took := time.Since(start); took > time.Second {
		t.Errorf("judging took %v with a 1 ms slice", took)
	}
	if rank != nil || !strings.Contains(logs.String(), "pictures late") {
		t.Errorf("rank %v; logs %s", rank, logs.String())
	}
}
