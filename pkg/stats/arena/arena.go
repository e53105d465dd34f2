// Package arena reads AI Meme Arena's Stats API: battles with their
// result and vote counts, filtered by our result ids or by date.
package arena

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"punchline/pkg/platform/httpretry"
)

// MaxPage is the most battles one answer holds.
const MaxPage = 1000

// MaxIDsPerQuery keeps a result_id-filtered URL around 2 KB, well inside
// what proxies and servers accept.
const MaxIDsPerQuery = 100

// Results as normalised from what the arena sends.
const (
	First   = "first"
	Second  = "second"
	Tie     = "tie"
	Meh     = "meh"
	Unknown = "unknown"
)

// Outcomes of a battle for one side.
const (
	Win     = "win"
	Loss    = "loss"
	Pending = "pending" // no votes yet
)

// Caps on what a battle may carry into the results table: a 450 KB
// battle_result once pushed an item past DynamoDB's 400 KB and failed the
// whole pass, and −5 or 1e18 votes read as a loss or overflowed a total.
const (
	MaxResultBytes = 32            // battle_result as sent
	MaxVotes       = 1_000_000_000 // per option; counts are clamped to [0, MaxVotes]
)

// dateLayouts are the battle date spellings accepted, all read as UTC
// when they carry no zone.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"}

// Battle is one arena battle.
type Battle struct {
	ID        int64
	Date      time.Time // zero when missing or unparsable
	DateRaw   string
	Prompt    string
	Result1ID int64
	Result2ID int64
	Result    string // First, Second, Tie, Meh or Unknown
	ResultRaw string // as sent, for analysts when Result is Unknown
	Votes     Votes
}

// Votes counts each option; missing counts are 0.
type Votes struct {
	First, Second, Tie, Meh int64
}

// Total is the number of votes cast.
func (v Votes) Total() int64 { return v.First + v.Second + v.Tie + v.Meh }

// Opponent returns the other side's result id.
func (b Battle) Opponent(side int) int64 {
	if side == 1 {
		return b.Result2ID
	}
	return b.Result1ID
}

// Outcome is the battle from side's point of view: Win, Loss, Tie, Meh,
// Pending (no votes yet) or Unknown (a result we do not recognise).
func (b Battle) Outcome(side int) string {
	if b.Votes.Total() == 0 {
		return Pending
	}
	switch b.Result {
	case First, Second:
		if (b.Result == First) == (side == 1) {
			return Win
		}
		return Loss
	case Tie, Meh:
		return b.Result
	}
	return Unknown
}

// normalise maps the spellings the arena is known to use onto ours:
// first|second|tie|meh and FIRST|SECOND|SAME|SAME_SHIT, in any case.
func normalise(raw string) string {
	s := strings.ToLower(strings.TrimSpace(raw))
	s = strings.NewReplacer("-", "_", " ", "_").Replace(s)
	switch s {
	case "first", "second", "tie", "meh":
		return s
	case "same":
		return Tie
	case "same_shit":
		return Meh
	}
	return Unknown
}

// flexInt decodes a JSON number or numeric string; null is 0.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*f = flexInt(n)
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != float64(int64(v)) {
		return fmt.Errorf("not an integer: %.40s", s)
	}
	*f = flexInt(v)
	return nil
}

type wireBattle struct {
	BattleID     flexInt         `json:"battle_id"`
	Date         string          `json:"date"`
	Prompt       string          `json:"prompt"`
	Result1ID    flexInt         `json:"result_1_id"`
	Result2ID    flexInt         `json:"result_2_id"`
	BattleResult json.RawMessage `json:"battle_result"`
	Vote         json.RawMessage `json:"vote"` // the older name of battle_result
	NumVotes     struct {
		First  flexInt `json:"first"`
		Second flexInt `json:"second"`
		Tie    flexInt `json:"tie"`
		Meh    flexInt `json:"meh"`
	} `json:"num_votes"`
}

// MaxItems is the most battles read from one answer: ten times a page.
// An answer with more is hostile or broken; the rest is not read, so
// memory stays bounded whatever its size.
const MaxItems = 10 * MaxPage

// ErrTruncated marks an answer with more than MaxItems battles: the
// battles returned are its first MaxItems.
var ErrTruncated = errors.New("answer has more battles than a page may")

// Decode parses a Stats API answer in memory; see DecodeStream.
func Decode(data []byte) (battles []Battle, skipped int, err error) {
	return DecodeStream(bytes.NewReader(data))
}

// DecodeStream parses a Stats API answer, {"items":[…]} or a bare array,
// as it arrives, one battle at a time. Items that cannot be keyed (no
// battle id, no result ids, wrong types, negative ids) or break a cap (a
// battle_result over MaxResultBytes, a date that does not parse) are
// quarantined: skipped and counted. Unknown results are kept with Result
// Unknown; vote counts are clamped to [0, MaxVotes]. Past MaxItems it
// stops reading and returns what it has with ErrTruncated.
func DecodeStream(r io.Reader) (battles []Battle, skipped int, err error) {
	dec := json.NewDecoder(r)
	battles = []Battle{}
	switch err := openItems(dec); {
	case errors.Is(err, errNoItems):
		return battles, 0, nil
	case err != nil:
		return nil, 0, fmt.Errorf("decode battles: %w", err)
	}
	for dec.More() {
		if len(battles)+skipped == MaxItems {
			return battles, skipped, fmt.Errorf("decode battles: %w (%d read)", ErrTruncated, MaxItems)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, 0, fmt.Errorf("decode battles: %w", err)
		}
		if b, ok := decodeItem(raw); ok {
			battles = append(battles, b)
		} else {
			skipped++
		}
	}
	if _, err := dec.Token(); err != nil { // the closing ]
		return nil, 0, fmt.Errorf("decode battles: %w", err)
	}
	return battles, skipped, nil
}

// errNoItems is openItems finding "items": null, or none at all.
var errNoItems = errors.New("no items")

// openItems reads up to the first battle: past "[" of a bare array, or
// past "{…"items": [" of the envelope (skipping other keys).
func openItems(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('['):
		return nil
	case json.Delim('{'):
	default:
		return fmt.Errorf("want an object or an array, got %v", tok)
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return err
		}
		if key != "items" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		tok, err := dec.Token()
		switch {
		case err != nil:
			return err
		case tok == json.Delim('['):
			return nil
		case tok == nil:
			return errNoItems
		}
		return fmt.Errorf("items: want an array, got %v", tok)
	}
	return errNoItems
}

// decodeItem is one battle, false when it is quarantined.
func decodeItem(raw json.RawMessage) (Battle, bool) {
	var w wireBattle
	if err := json.Unmarshal(raw, &w); err != nil || w.BattleID <= 0 || (w.Result1ID <= 0 && w.Result2ID <= 0) ||
		w.Result1ID < 0 || w.Result2ID < 0 {
		return Battle{}, false
	}
	b := Battle{
		ID: int64(w.BattleID), DateRaw: w.Date, Prompt: w.Prompt,
		Result1ID: int64(w.Result1ID), Result2ID: int64(w.Result2ID),
		Votes: Votes{First: clampVotes(w.NumVotes.First), Second: clampVotes(w.NumVotes.Second),
			Tie: clampVotes(w.NumVotes.Tie), Meh: clampVotes(w.NumVotes.Meh)},
	}
	if w.Date != "" {
		if b.Date = parseDate(w.Date); b.Date.IsZero() {
			return Battle{}, false
		}
	}
	res := w.BattleResult
	if len(res) == 0 || string(res) == "null" {
		res = w.Vote
	}
	b.ResultRaw = rawString(res)
	if len(b.ResultRaw) > MaxResultBytes {
		return Battle{}, false
	}
	b.Result = normalise(b.ResultRaw)
	return b, true
}

func clampVotes(v flexInt) int64 { return min(max(int64(v), 0), MaxVotes) }

// parseDate reads a battle date in one of dateLayouts; zero if none fits.
func parseDate(s string) time.Time {
	if len(s) > 64 { // no layout is this long
		return time.Time{}
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// rawString is a JSON string's value, or any other JSON value's text.
func rawString(raw json.RawMessage) string {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	if string(raw) == "null" {
		return ""
	}
	return string(raw)
}

// Query filters battles: by our result ids (at most MaxIDsPerQuery), and/or
// up to the end of a UTC day.
type Query struct {
	ResultIDs []int64
	To        time.Time // zero for no date filter; only the date counts
}

// Client calls the Stats API.
type Client struct {
	http *httpretry.Client
	url  string
	key  string
}

// New returns a client for the battles endpoint at statsURL; key, if set, is
// sent as a bearer token.
func New(h *httpretry.Client, statsURL, key string) *Client {
	return &Client{http: h, url: statsURL, key: key}
}

// Battles returns the battles matching q (at most MaxPage, the newest up to
// q.To) and how many items were skipped as malformed.
func (c *Client) Battles(ctx context.Context, q Query) ([]Battle, int, error) {
	if len(q.ResultIDs) > MaxIDsPerQuery {
		return nil, 0, fmt.Errorf("battles: %d result ids, at most %d a query", len(q.ResultIDs), MaxIDsPerQuery)
	}
	u, err := url.Parse(c.url)
	if err != nil {
		return nil, 0, fmt.Errorf("battles url: %w", err)
	}
	v := u.Query()
	for _, id := range q.ResultIDs {
		v.Add("result_id", strconv.FormatInt(id, 10))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.UTC().Format(time.DateOnly))
	}
	u.RawQuery = v.Encode()
	h := http.Header{"Accept": {"application/json"}}
	if c.key != "" {
		h.Set("Authorization", "Bearer "+c.key)
	}
	var battles []Battle
	var skipped int
	var truncated bool
	err = c.http.Stream(ctx, u.String(), h, func(r io.Reader) error {
		var err error
		battles, skipped, err = DecodeStream(r)
		if truncated = errors.Is(err, ErrTruncated); truncated {
			return nil // the first MaxItems are kept; the rest is never read
		}
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("battles: %w", err)
	}
	if truncated {
		return battles, skipped, fmt.Errorf("battles: %w", ErrTruncated)
	}
	return battles, skipped, nil
}
