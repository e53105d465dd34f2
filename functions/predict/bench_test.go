package main

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkOfflineRequest is the server-side cost of one offline 1024×1024
// meme request: decode → plan → background → render → encode → store
// (local files) → record (local store) → answer. Target ≤ 50 ms.
func BenchmarkOfflineRequest(b *testing.B) {
	h, _ := offlineHandler(b, "http://localhost:8080")
	body := `{"result_id":1,"prompt":"кот и понедельник: когда будильник звонит в пятый раз"}`
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/predict", strings.NewReader(body)))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"type":"image"`) {
			b.Fatalf("answer %d %s", rec.Code, rec.Body)
		}
	}
}
