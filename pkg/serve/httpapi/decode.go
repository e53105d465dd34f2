package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"punchline/pkg/meme"
)

// DecodeRequest reads and validates one predict body (docs/architecture.md, "Contract"). Every
// failure is a *meme.Error with CodeBadRequest and a message that says what
// is wrong, so the caller can fix its request.
func DecodeRequest(r io.Reader) (meme.Request, error) {
	body, err := io.ReadAll(io.LimitReader(r, meme.MaxBodyBytes+1))
	if err != nil {
		return meme.Request{}, &meme.Error{Code: meme.CodeBadRequest, Message: "could not read request body", Err: err}
	}
	return ParseRequest(body)
}

// ParseRequest validates a predict body already in memory.
func ParseRequest(body []byte) (meme.Request, error) {
	bad := func(format string, args ...any) (meme.Request, error) {
		return meme.Request{}, meme.Errorf(meme.CodeBadRequest, format, args...)
	}
	if len(body) > meme.MaxBodyBytes {
		return bad("request body exceeds %d bytes", meme.MaxBodyBytes)
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return bad(`request body is empty; want {"result_id": <integer>, "prompt": "<text>"}`)
	}
	// encoding/json would silently turn bad bytes into U+FFFD.
	if !utf8.Valid(body) {
		return bad("request body is not valid UTF-8")
	}
	if trimmed[0] != '{' {
		return bad("request body must be a JSON object")
	}
	var raw struct {
		ResultID json.RawMessage `json:"result_id"`
		Prompt   json.RawMessage `json:"prompt"`
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&raw); err != nil {
		return bad("request body is not valid JSON: %s", jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return bad("request body has data after the JSON object")
	}

	var req meme.Request
	if id, ok, msg := parseResultID(raw.ResultID); msg != "" {
		return bad("%s", msg)
	} else if ok {
		req.ResultID, req.HasResultID = id, true
	}

	if len(raw.Prompt) == 0 || string(raw.Prompt) == "null" {
		return bad("prompt is required")
	}
	var prompt string
	if err := json.Unmarshal(raw.Prompt, &prompt); err != nil {
		return bad("prompt must be a string")
	}
	prompt = strings.TrimSpace(prompt)
	switch n := utf8.RuneCountInString(prompt); {
	case n == 0:
		return bad("prompt is empty")
	case !meme.Visible(prompt):
		return bad("prompt has no visible characters")
	case n > meme.MaxPromptRunes:
		return bad("prompt has %d characters; at most %d are allowed", n, meme.MaxPromptRunes)
	}
	req.Prompt = prompt
	return req, nil
}

// parseResultID accepts an integer ≥ 0 as a JSON number or a numeric string;
// absent or null means no id. msg is non-empty when the value is unusable.
func parseResultID(v json.RawMessage) (id int64, ok bool, msg string) {
	s := string(v)
	if s == "" || s == "null" {
		return 0, false, ""
	}
	if s[0] == '"' {
		if err := json.Unmarshal(v, &s); err != nil {
			return 0, false, "result_id must be an integer"
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, false, "result_id must be an integer, got an empty string"
		}
	} else if c := s[0]; c != '-' && (c < '0' || c > '9') {
		return 0, false, "result_id must be an integer"
	}
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err == nil && n < 0:
		return 0, false, "result_id must be ≥ 0"
	case err == nil:
		return n, true, ""
	case errors.Is(err, strconv.ErrRange) && s[0] == '-':
		return 0, false, "result_id must be ≥ 0"
	case errors.Is(err, strconv.ErrRange):
		return 0, false, "result_id is out of range"
	}
	// 12345.0 and 1.2345e4 are integers written differently: accept them
	// while the float still holds the exact value.
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange):
		return 0, false, "result_id is out of range"
	case err != nil:
		return 0, false, "result_id must be an integer"
	case f != math.Trunc(f):
		return 0, false, "result_id must be an integer, got a fraction"
	case f < 0:
		return 0, false, "result_id must be ≥ 0"
	case f >= 1<<53: // from 2^53 on, a float no longer holds every integer: 9007199254740993.0 reads as …992
		return 0, false, "result_id is out of range: written as a decimal it must be below 2^53 (write it as an integer)"
	}
	return int64(f), true, ""
}

// jsonProblem turns a decoder error into a short, safe description.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return syn.Error() + " at byte " + strconv.FormatInt(syn.Offset, 10)
	case errors.As(err, &typ):
		return "wrong type for " + typ.Field
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of input"
	}
	return "malformed JSON"
}
