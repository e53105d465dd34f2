package aiml

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"punchline/pkg/meme"
)

// Kind is what a failed call means for the next ones
// (docs/errors-and-messages of the provider).
type Kind int

const (
	KindOther       Kind = iota
	KindAuth             // 401: the key is missing or invalid (account-wide)
	KindCredits          // 403: out of credits or not allowed (account-wide)
	KindGone             // 404: the model is deprecated or unknown
	KindValidation       // 400 "Body validation error!" or an unsupported value: our body, for this model
	KindRefused          // the prompt was refused (content policy)
	KindRateLimited      // 429: back off
	KindModelFailed      // 500: this model failed or is under maintenance
	KindUnavailable      // 502/503: upstream unavailable
	KindTimeout          // 504: generation timeout; another try may land
)

var kindNames = map[Kind]string{
	KindOther: "other", KindAuth: "auth", KindCredits: "credits", KindGone: "gone", KindValidation: "validation",
	KindRefused: "refused", KindRateLimited: "rate-limited", KindModelFailed: "model-failed",
	KindUnavailable: "unavailable", KindTimeout: "timeout",
}

func (k Kind) String() string { return kindNames[k] }

// AccountWide reports a kind that fails every call of the account.
func (k Kind) AccountWide() bool { return k == KindAuth || k == KindCredits }

// Error is a non-2xx answer from the provider, read for what it means.
type Error struct {
	Model      string
	Status     int
	Kind       Kind
	Message    string // the provider's message, cut
	RequestID  string
	RetryAfter time.Duration // from Retry-After, when sent
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: status %d (%s)", e.Model, e.Status, e.Kind)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " [request " + e.RequestID + "]"
	}
	return s
}

// Is lets callers that know only the domain's errors read the meaning:
// a refusal is meme.ErrRefused, an account-wide failure
// meme.ErrProviderAccount, a gone model meme.ErrModelGone.
func (e *Error) Is(target error) bool {
	switch target {
	case meme.ErrRefused:
		return e.Kind == KindRefused
	case meme.ErrProviderAccount:
		return e.Kind.AccountWide()
	case meme.ErrModelGone:
		return e.Kind == KindGone
	}
	return false
}

// KindOf is err's kind, KindOther when err is not a provider answer.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

// Classify reads a non-2xx answer: AIML's body is {message, path,
// requestId, statusCode, timestamp}; OpenAI-style {error: {message}} and
// plain text are read too.
func Classify(model string, status int, header http.Header, body []byte) *Error {
	e := &Error{Model: model, Status: status}
	var b struct {
		Message   json.RawMessage `json:"message"`
		RequestID string          `json:"requestId"`
		Error     *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &b) == nil {
		e.RequestID = b.RequestID
		var s string
		var list []string
		switch {
		case json.Unmarshal(b.Message, &s) == nil:
			e.Message = s
		case json.Unmarshal(b.Message, &list) == nil:
			e.Message = strings.Join(list, "; ")
		case b.Error != nil:
			e.Message = b.Error.Message
		}
	} else {
		e.Message = string(body)
	}
	e.Message = meme.Truncate(strings.TrimSpace(e.Message), 300)
	if ra := header.Get("Retry-After"); ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil && secs >= 0 {
			e.RetryAfter = time.Duration(secs) * time.Second
		} else if t, err := http.ParseTime(ra); err == nil {
			e.RetryAfter = max(0, time.Until(t))
		}
	}
	e.Kind = kindOf(status, e.Message)
	return e
}

func kindOf(status int, message string) Kind {
	m := strings.ToLower(message)
	switch {
	case status == http.StatusUnauthorized:
		return KindAuth
	case status == http.StatusForbidden:
		return KindCredits
	case status == http.StatusNotFound, status == http.StatusGone:
		return KindGone
	case status == http.StatusTooManyRequests:
		return KindRateLimited
	case status == http.StatusGatewayTimeout:
		return KindTimeout
	case status == http.StatusBadGateway, status == http.StatusServiceUnavailable:
		return KindUnavailable
	case status >= 500:
		return KindModelFailed
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		// A body the schema refuses names its fields ("safety_setting",
		// "moderation"): it is ours to fix, never a refused prompt.
		if containsAny(m, "body validation", "unsupported value", "invalid enum", "expected", "unrecognized key", "required") {
			return KindValidation
		}
		if containsAny(m, "content_policy", "content policy", "safety system", "nsfw", "flagged", "moderation_blocked", "violat") {
			return KindRefused
		}
		return KindValidation
	}
	return KindOther
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
