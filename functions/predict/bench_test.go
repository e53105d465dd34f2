package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// offlinePrompts are the shapes and languages offline answers meet (the
// contact sheet's mix): each makes a different meme, so the benchmark
// covers the templates and backgrounds, not one cached path.
var offlinePrompts = []string{
	"кот и понедельник: когда будильник звонит в пятый раз",
	"When the deploy works on Friday and nobody knows why",
	"Cats vs dogs",
	"My weekend plans: sleep, eat, scroll, regret",
	"Is cereal a soup?",
	"Boss: quick call?\nMe: it's 6 PM on Friday\nBoss: five minutes",
	"Почему все совещания длятся час?",
	"сделай мем про кота, который будит в 5 утра",
	"Die Deutsche Bahn hat schon wieder Verspätung",
	"haz un meme sobre los lunes",
	"Quand le métro est en grève encore une fois",
	"Коли світло вимкнули якраз під час дедлайну",
	"kiedy szef pisze do ciebie w piątek wieczorem",
	"Quando la nonna dice che hai mangiato poco",
	"Meu fim de semana: dormir, comer, rolar o feed, me arrepender",
	"Daylight saving time ends and my body refuses",
}

// BenchmarkOfflineRequest is the server-side cost of one offline 1024×1024
// meme request: decode → claim → identify the language → plan →
// background or template → render → encode → store (local files) → record
// (local store) → answer, over offlinePrompts in turn. Every request has a
// new result_id, so none is a replay. p50-ms is the median request (target
// ≤ 25 ms), p90-ms the slow tail.
func BenchmarkOfflineRequest(b *testing.B) {
	h, _ := offlineHandler(b, "http://localhost:8080")
	// Warm, untimed: the language models' first loads are a cold start's
	// (pkg/language's BenchmarkColdStart and BenchmarkConfirm), not a
	// request's.
	for i, p := range offlinePrompts {
		body, _ := json.Marshal(map[string]any{"result_id": 1_000_000 + i, "prompt": p})
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/api/v1/predict", bytes.NewReader(body)))
	}
	b.ReportAllocs()
	var took []time.Duration
	id := 0
	for b.Loop() {
		id++
		body, _ := json.Marshal(map[string]any{"result_id": id, "prompt": offlinePrompts[id%len(offlinePrompts)]})
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/predict", bytes.NewReader(body)))
		took = append(took, time.Since(start))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"type":"image"`) {
			b.Fatalf("answer %d %s", rec.Code, rec.Body)
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*9/10].Microseconds())/1000, "p90-ms")
}

// BenchmarkReplay is the cost of the arena retrying a finished result_id:
// the claim finds it done and the same file is linked again.
func BenchmarkReplay(b *testing.B) {
	h, _ := offlineHandler(b, "http://localhost:8080")
	body := `{"result_id":1,"prompt":"кот и понедельник"}`
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/predict", strings.NewReader(body)))
	first := rec.Body.String()
	b.ReportAllocs()
	for b.Loop() { // b.Loop starts the clock here: the first, real answer is not timed
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/predict", strings.NewReader(body)))
		if rec.Code != 200 || rec.Body.String() != first {
			b.Fatalf("answer %d %s, first %s", rec.Code, rec.Body, first)
		}
	}
}
