package main

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkOfflineRequest is the server-side cost of one offline 1024×1024
// meme request: decode → claim → plan → background → render → encode →
// store (local files) → record (local store) → answer. Every request has a
// new result_id, so none is a replay. Target ≤ 50 ms.
func BenchmarkOfflineRequest(b *testing.B) {
	h, _ := offlineHandler(b, "http://localhost:8080")
	b.ReportAllocs()
	id := 0
	for b.Loop() {
		id++
		body := fmt.Sprintf(`{"result_id":%d,"prompt":"кот и понедельник: когда будильник звонит в пятый раз"}`, id)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/predict", strings.NewReader(body)))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"type":"image"`) {
			b.Fatalf("answer %d %s", rec.Code, rec.Body)
		}
	}
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
