package videogen

import (
	"context"
	"net/http"
	"testing"

	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/apipost"
)

// FuzzRead: any answer to a submission or a status read, whatever its
// status and body, is a task or an error, never a panic.
func FuzzRead(f *testing.F) {
	for _, s := range []string{`{"id":"g","status":"queued"}`, `{"id":"g","status":"completed","video":{"url":"https://x/y.mp4"}}`,
		`{"id":"g","status":"error","error":{"name":"E","message":"m"}}`, `{"video":null}`, `[]`, `{"message":"Body validation error!","statusCode":400}`, ""} {
		f.Add(200, []byte(s))
		f.Add(400, []byte(s))
	}
	c := New(nil, "http://127.0.0.1:1", "k", nil, aiml.NewHealth())
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		tk, err := c.read(context.Background(), "google/veo-3.1-t2v-fast", apipost.Answer{Status: status, Header: http.Header{}, Body: body})
		if err == nil && status/100 != 2 {
			t.Fatalf("status %d read as a task %+v", status, tk)
		}
	})
}
