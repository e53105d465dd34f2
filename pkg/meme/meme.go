// Package meme holds punchline's domain: the arena's request and answer, the
// joke plan, the record we keep per result, and the error codes every
// adapter speaks. It imports nothing of ours so every package can use it.
package meme

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Limits of the predict contract (docs/architecture.md, "Contract").
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
	Lang string // the prompt's language, ISO 639-1 ("ru", "de", …; package language)
	// LangConfidence is the identifier's confidence in Lang (0..1).
	LangConfidence float64
	Format         string // TypeImage, TypeVideo or TypeText
	Layout         string // one of the Layout constants
	Top            string // first caption line (setup); may be empty
	Bottom         string // second caption line (punchline)
	ImagePrompt    string // picture description with no text in it
	Text           string // text meme, used when no picture can be made
	// A template meme: the template's id and its captions in slot order.
	// When Template is set, Layout, Top, Bottom and ImagePrompt are unused.
	Template string
	Captions []string
	// PanelPrompts, for a panels plan, are the pictures to paint into the
	// template's panels (the drawn panel answers for any that is late).
	PanelPrompts []string
	// ChatModel is the generator that wrote the plan ("" for rule-made
	// ones).
	ChatModel string
	// How the plan was chosen, when a joke engine wrote it.
	Choice
}

// Choice is how a joke engine chose a meme: the winner's recipe, every
// candidate the generator wrote, the winner's index in them, and the
// judge's model, ranking (candidate indices, best first; empty when the
// judge failed or was late) and time. Zero when no generator ran.
type Choice struct {
	// Recipe is the arm the policy drew for this request (the candidates
	// are made within it), with the probability it had (Propensity), the
	// policy that drew it, and whether the draw was uniform exploration.
	Recipe        string
	Propensity    float64
	PolicyVersion string
	Explore       bool
	Candidates    []Candidate
	Pick          int
	JudgeModel    string
	JudgeRank     []int
	JudgeMS       int64
	// Holdout: the pick is a uniformly random candidate, not the judge's
	// winner (JUDGE_HOLDOUT), so the judge's worth can be measured.
	Holdout bool
}

// Lines are the plan's non-empty captions, setup first.
func (p Plan) Lines() []string {
	lines := []string{p.Top, p.Bottom}
	if p.Template != "" {
		lines = p.Captions
	}
	var out []string
	for _, l := range lines {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Caption joins the captions the way analysts read them.
func (p Plan) Caption() string { return strings.Join(p.Lines(), " / ") }

// Candidate is one meme the joke generator proposed: its recipe, the
// template it fills (if any), its captions in slot order, the picture to
// generate (if any), the plan written before its captions, and the generator's own
// estimate that it wins (0..1).
type Candidate struct {
	Recipe      string
	Template    string
	Captions    []string
	ImagePrompt string
	// Plan is the joke's idea, written before its captions (recorded,
	// never shown to voters or the judge).
	Plan string
	// PanelPrompts, for the panels recipe, are the pictures to paint, one
	// per panel of the template's format, in order.
	PanelPrompts []string
	P            float64
}

// Recipes: how a meme is made.
const (
	RecipeScene        = "scene"         // captions over a generated picture
	RecipeTemplate     = "template"      // a meme template's slots filled
	RecipeReaction     = "reaction"      // a "when…" bar over a reaction picture or template
	RecipeChatCallback = "chat-callback" // a transcript's own joke, in a template
	RecipeClip         = "clip"          // a clip template with its caption bar
	RecipePanels       = "panels"        // a multi-panel format, each panel painted for the joke
	RecipeText         = "text"          // a text meme
)

// Recipes are every recipe's name (RECIPES takes these; pkg/joke's
// data/recipes.yaml describes each).
var Recipes = []string{RecipeScene, RecipeTemplate, RecipeReaction, RecipeChatCallback, RecipePanels, RecipeClip, RecipeText}

// Record is the generation side of a results item (docs/architecture.md,
// "Data model"). Battle attributes are written by the stats function and
// never appear here, so an update built from a Record cannot clobber them.
// How a Record is laid out as attributes is the stores' business.
type Record struct {
	ResultID  int64
	CreatedAt time.Time // request arrival
	Prompt    string
	Lang      string
	// LangConfidence is the language identifier's confidence in Lang.
	LangConfidence float64
	Type           string
	MediaKey       string
	Bytes          int64
	Caption        string
	Text           string
	Strategy       string
	ChatModel      string
	ImageModel     string
	Fallback       string
	// Template is the meme template's id ("" for scene memes), and
	// TemplateSource where it came from: house, dir or bucket.
	Template       string
	TemplateSource string
	// Painted: the template's picture or clip was painted by a provider
	// model (it records its provenance), not drawn by our code.
	Painted    bool
	Choice              // the joke engine's work, when it ran
	ImageOrder []string // the image models in the order they were tried
	CostUSD    float64  // what the provider said its calls cost, in US dollars
	LatencyMS  int64
	StageMS    map[string]int64
	Status     string // StatusDone once recorded
}

// Generation status of a results item: a request claims the result_id
// (pending) before it makes anything, so a retried or duplicate request
// waits for, or returns, the same answer instead of making another.
const (
	StatusPending = "pending"
	StatusDone    = "done"
)

// Claim is what claiming a result_id found.
type Claim struct {
	Claimed  bool   // this request owns the result: make the meme
	State    string // otherwise: StatusPending (being made) or StatusDone
	Type     string // when done: the answer's type, media key and text
	MediaKey string
	Text     string
	// PromptHash is the claim's prompt (PromptHash): only a request with
	// the same prompt may wait for or replay it.
	PromptHash string
}

// PromptHash identifies a prompt up to white space: the claim on a
// result_id binds it, so nobody can pre-set the meme another prompt gets.
func PromptHash(prompt string) string {
	sum := sha256.Sum256([]byte(strings.Join(strings.Fields(prompt), " ")))
	return hex.EncodeToString(sum[:16])
}

// Times written as text (stored attributes, checkpoints, snapshots) are
// fixed width and UTC, so that they sort as strings.
const (
	TimeLayout = "2006-01-02T15:04:05.000Z"
	DayLayout  = time.DateOnly
)

// BattleSide is the battle side of a results item, written by the stats
// function from that result's point of view. Hash covers every field but
// StatsAt, so an unchanged battle is recognised and not written.
type BattleSide struct {
	BattleID         int64
	BattleDate       string
	OpponentResultID int64
	Side             int // 1 or 2: which result the arena listed us as
	BattleResult     string
	Outcome          string // win|loss|tie|meh|pending|unknown
	VotesFirst       int64
	VotesSecond      int64
	VotesTie         int64
	VotesMeh         int64
	StatsAt          string
	Hash             string
}

// SimulatedBattles is where the battle ids of a stand-in arena (make
// arena-fake) start: votes on battles from here are simulated, and the
// report says so wherever it counts them. The real arena's ids are far
// below (they count battles).
const SimulatedBattles int64 = 1 << 52

// ErrRefused means the provider refused a prompt (content policy): trying
// other models with the same prompt is pointless.
var ErrRefused = errors.New("prompt refused by provider")

// ErrProviderAccount means the provider refuses the whole account (an
// invalid key, no credits): no other model or retry will do better.
var ErrProviderAccount = errors.New("provider refuses the account")

// ErrModelGone means the provider no longer serves a model (deprecated,
// unknown) or is skipping it for now: try the next one.
var ErrModelGone = errors.New("model unavailable")

// ErrRejected means the store refused an item itself (too large, invalid):
// writing it again will fail again, so the caller skips it, unlike a
// throttle or an outage.
var ErrRejected = errors.New("item rejected by the store")

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
