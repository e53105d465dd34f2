package httpapi

import (
	"encoding/json"
	"net/http"

	"punchline/pkg/meme"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	meme.CodeBadRequest:       http.StatusBadRequest,
	meme.CodeUnauthorized:     http.StatusUnauthorized,
	meme.CodeNotFound:         http.StatusNotFound,
	meme.CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	meme.CodeInternal:         http.StatusInternalServerError,
}

// ErrorStatus returns the HTTP status for err's code.
func ErrorStatus(err error) int {
	if s, ok := statusOf[meme.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError answers with the error envelope; only the caller-safe message
// of err is sent.
func writeError(w http.ResponseWriter, err error) {
	var b errorBody
	b.Error.Code = meme.ErrorCode(err)
	b.Error.Message = meme.ErrorMessage(err)
	writeJSON(w, ErrorStatus(err), b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil { // our own types always marshal; keep the contract anyway
		status, body = http.StatusInternalServerError, []byte(`{"error":{"code":"INTERNAL","message":"internal error"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
