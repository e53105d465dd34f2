// Package meme holds punchline's domain: the arena's request and answer, the
// joke plan, the record we keep per result, and the error codes every
// adapter speaks. It imports nothing of ours so every package can use it.
package meme

import (
	"errors"
	"fmt"
	"time"
)

// Limits of the predict contract (DESIGN §1).
const (
	MaxPromptRunes = 10_000
	MaxBodyBytes   = 64 << 10
	MaxFileBytes   = 25 << 20
)

// Request is one arena call after validation.
type Request struct {
	// ResultID is the arena's id for this battle side; valid only when HasResultID.
	ResultID    int64
	HasResultID bool
	Prompt      string // trimmed, valid UTF-8, 1..MaxPromptRunes runes
}

// Answer types of the contract.
const (
	TypeImage = "image"
	TypeVideo = "video"
	TypeText  = "text"
)

// Answer is the 200 body the arena receives.
type Answer struct {
	Type string `json:"type"`
	URL  string `json:"url,omitempty"`
	Text string `json:"text,omitempty"`
}

// Layouts the renderer knows.
const (
	LayoutClassic = "classic" // top/bottom outlined text on the picture
	LayoutBar     = "bar"     // white bar with black text above the picture
	LayoutCard    = "card"    // text only, on a generated background
)

// Plan is the joke the planner chose.
type Plan struct {
	Lang        string // BCP-47-ish language of the prompt: "ru", "en", …
	Format      string // TypeImage, TypeVideo or TypeText
	Layout      string // one of the Layout constants
	Top         string // first caption line (setup); may be empty
	Bottom      string // second caption line (punchline)
	ImagePrompt string // picture description with no text in it
	Text        string // text meme, used when no picture can be made
}

// Caption joins the captions the way analysts read them.
func (p Plan) Caption() string {
	switch {
	case p.Top == "":
		return p.Bottom
	case p.Bottom == "":
		return p.Top
	}
	return p.Top + " / " + p.Bottom
}

// Record is the generation side of a results item (DESIGN §4). Battle
// attributes are written by the stats function and never appear here, so an
// update built from a Record cannot clobber them.
type Record struct {
	ResultID   int64            `dynamodbav:"result_id" json:"result_id"`
	CreatedAt  string           `dynamodbav:"created_at" json:"created_at"`   // TimeLayout, UTC
	CreatedDay string           `dynamodbav:"created_day" json:"created_day"` // DayLayout: the by_day index's key
	Prompt     string           `dynamodbav:"prompt" json:"prompt"`
	Lang       string           `dynamodbav:"lang,omitempty" json:"lang,omitempty"`
	Type       string           `dynamodbav:"type" json:"type"`
	MediaKey   string           `dynamodbav:"media_key,omitempty" json:"media_key,omitempty"`
	Bytes      int64            `dynamodbav:"bytes,omitempty" json:"bytes,omitempty"`
	Caption    string           `dynamodbav:"caption,omitempty" json:"caption,omitempty"`
	Text       string           `dynamodbav:"text,omitempty" json:"text,omitempty"`
	Strategy   string           `dynamodbav:"strategy" json:"strategy"`
	ChatModel  string           `dynamodbav:"chat_model,omitempty" json:"chat_model,omitempty"`
	ImageModel string           `dynamodbav:"image_model,omitempty" json:"image_model,omitempty"`
	Fallback   string           `dynamodbav:"fallback,omitempty" json:"fallback,omitempty"`
	LatencyMS  int64            `dynamodbav:"latency_ms" json:"latency_ms"`
	StageMS    map[string]int64 `dynamodbav:"stage_ms,omitempty" json:"stage_ms,omitempty"`
	Status     string           `dynamodbav:"status" json:"status"` // StatusDone once recorded
}

// Generation status of a results item: a request claims the result_id
// (pending) before it makes anything, so a retried or duplicate request
// waits for, or returns, the same answer instead of making another.
const (
	StatusPending = "pending"
	StatusDone    = "done"
)

// ClaimFrom interprets stored generation attributes; an item recorded
// before statuses existed (created_at, no status) is done.
func ClaimFrom(status string, recorded bool, typ, mediaKey, text string) Claim {
	c := Claim{State: status, Type: typ, MediaKey: mediaKey, Text: text}
	if c.State == "" && recorded {
		c.State = StatusDone
	}
	return c
}

// Claim is what claiming a result_id found.
type Claim struct {
	Claimed  bool   // this request owns the result: make the meme
	State    string // otherwise: StatusPending (being made) or StatusDone
	Type     string // when done: the answer's type, media key and text
	MediaKey string
	Text     string
}

// Time formats of stored attributes: fixed width and UTC, so that they sort
// as strings (DynamoDB key conditions compare strings).
const (
	TimeLayout = "2006-01-02T15:04:05.000Z"
	DayLayout  = time.DateOnly
)

// ByDayIndex is the results table's index on (created_day, created_at),
// which finds the results created in a period without a scan.
const ByDayIndex = "by_day"

// BattleSide is the battle side of a results item (DESIGN §4), written by
// the stats function from that result's point of view. Hash covers every
// field but StatsAt, so an unchanged battle is recognised and not written.
type BattleSide struct {
	BattleID         int64  `dynamodbav:"battle_id" json:"battle_id"`
	BattleDate       string `dynamodbav:"battle_date" json:"battle_date"`
	OpponentResultID int64  `dynamodbav:"opponent_result_id" json:"opponent_result_id"`
	Side             int    `dynamodbav:"side" json:"side"` // 1 or 2: which result the arena listed us as
	BattleResult     string `dynamodbav:"battle_result" json:"battle_result"`
	Outcome          string `dynamodbav:"outcome" json:"outcome"` // win|loss|tie|meh|pending|unknown
	VotesFirst       int64  `dynamodbav:"votes_first" json:"votes_first"`
	VotesSecond      int64  `dynamodbav:"votes_second" json:"votes_second"`
	VotesTie         int64  `dynamodbav:"votes_tie" json:"votes_tie"`
	VotesMeh         int64  `dynamodbav:"votes_meh" json:"votes_meh"`
	StatsAt          string `dynamodbav:"stats_at" json:"stats_at"`
	Hash             string `dynamodbav:"battle_hash" json:"battle_hash"`
}

// ErrRefused means the provider refused a prompt (content policy): trying
// other models with the same prompt is pointless.
var ErrRefused = errors.New("prompt refused by provider")

// Error codes. httpapi maps each to one HTTP status; nothing else does.
const (
	CodeBadRequest       = "BAD_REQUEST"
	CodeUnauthorized     = "UNAUTHORIZED"
	CodeNotFound         = "NOT_FOUND"
	CodeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	CodeInternal         = "INTERNAL"
)

// Error is an error with a code and a message fit for the caller. Err, if
// any, is the internal cause: logged, never shown.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a caller-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, CodeInternal for foreign errors.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the caller-safe message of err; foreign errors get a
// generic one so internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
