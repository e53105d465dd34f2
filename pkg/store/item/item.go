// Package item is the results table's item layout, the one thing every
// results backend shares: the attribute names, how a meme.Record and a
// meme.BattleSide become attributes, and how stored attributes read back
// as a claim. docs/architecture.md ("Data model") lists every attribute;
// the table's keys and indexes are defined once, in template.yaml.
package item

import (
	"fmt"
	"math"
	"time"

	"punchline/pkg/meme"
)

// Attribute names the stores condition on or read back.
const (
	Key       = "result_id"
	CreatedAt = "created_at"
	Day       = "created_day" // the by_day index's partition key
	Status    = "status"
	ClaimedAt = "claimed_at"
	Type      = "type"
	MediaKey  = "media_key"
	Text      = "text"
	Hash      = "battle_hash"
	// PromptHash binds a claim to its prompt; Conflicts counts requests
	// with another prompt that came for the same result_id.
	PromptHash = "prompt_hash"
	Conflicts  = "conflicts"
	Prompt     = "prompt"
)

// Time formats a time as stored: meme.TimeLayout in UTC.
func Time(t time.Time) string { return t.UTC().Format(meme.TimeLayout) }

// Generation is the generation side of a result as attributes, without the
// key. Optional attributes are left out when empty, so an update never
// blanks a value another writer set.
func Generation(rec meme.Record) map[string]any {
	a := map[string]any{
		CreatedAt:    Time(rec.CreatedAt),
		Day:          rec.CreatedAt.UTC().Format(meme.DayLayout),
		Prompt:       rec.Prompt,
		PromptHash:   meme.PromptHash(rec.Prompt),
		Type:         rec.Type,
		"strategy":   rec.Strategy,
		"latency_ms": rec.LatencyMS,
		Status:       rec.Status,
	}
	for name, v := range map[string]string{
		"lang": rec.Lang, MediaKey: rec.MediaKey, "caption": meme.CleanText(rec.Caption), Text: meme.CleanText(rec.Text),
		"chat_model": rec.ChatModel, "image_model": rec.ImageModel, "fallback": rec.Fallback,
		"template": rec.Template, "template_source": rec.TemplateSource,
	} {
		if v != "" {
			a[name] = v
		}
	}
	if rec.Lang != "" && rec.LangConfidence > 0 && rec.LangConfidence <= 1 {
		a["lang_confidence"] = rec.LangConfidence
	}
	if rec.Bytes != 0 {
		a["bytes"] = rec.Bytes
	}
	if rec.CostUSD > 0 && !math.IsInf(rec.CostUSD, 0) {
		a["cost_usd"] = rec.CostUSD
	}
	if len(rec.StageMS) > 0 {
		a["stage_ms"] = rec.StageMS
	}
	if rec.Recipe != "" {
		a["recipe"] = rec.Recipe
		if rec.PolicyVersion != "" {
			a["propensity"] = rec.Propensity
			a["policy_version"] = rec.PolicyVersion
			a["explore"] = rec.Explore
		}
	}
	if len(rec.Candidates) > 0 {
		cands := make([]map[string]any, len(rec.Candidates))
		for i, c := range rec.Candidates {
			caps := make([]string, len(c.Captions))
			for k, cp := range c.Captions {
				caps[k] = meme.CleanText(cp)
			}
			m := map[string]any{"recipe": c.Recipe, "captions": caps, "p": c.P}
			if len(c.PanelPrompts) > 0 {
				ps := make([]string, len(c.PanelPrompts))
				for k, pp := range c.PanelPrompts {
					ps[k] = meme.CleanText(pp)
				}
				m["panel_prompts"] = ps
			}
			for k, v := range map[string]string{"template": c.Template, "plan": meme.CleanText(c.Plan), "image_prompt": meme.CleanText(c.ImagePrompt)} {
				if v != "" {
					m[k] = v
				}
			}
			cands[i] = m
		}
		a["candidates"] = cands
		a["pick"] = int64(rec.Pick)
	}
	if len(rec.ImageOrder) > 0 {
		a["image_order"] = rec.ImageOrder
	}
	if rec.Painted {
		a["painted"] = true
	}
	if rec.Holdout {
		a["judge_holdout"] = true
	}
	if rec.JudgeModel != "" {
		a["judge_model"] = rec.JudgeModel
		a["judge_ms"] = rec.JudgeMS
	}
	if len(rec.JudgeRank) > 0 {
		rank := make([]int64, len(rec.JudgeRank))
		for i, r := range rec.JudgeRank {
			rank[i] = int64(r)
		}
		a["judge_rank"] = rank
	}
	return a
}

// Battle is the battle side of a result as attributes.
func Battle(b meme.BattleSide) map[string]any {
	return map[string]any{
		"battle_id":          b.BattleID,
		"battle_date":        b.BattleDate,
		"opponent_result_id": b.OpponentResultID,
		"side":               int64(b.Side),
		"battle_result":      b.BattleResult,
		"outcome":            b.Outcome,
		"votes_first":        b.VotesFirst,
		"votes_second":       b.VotesSecond,
		"votes_tie":          b.VotesTie,
		"votes_meh":          b.VotesMeh,
		"stats_at":           b.StatsAt,
		Hash:                 b.Hash,
	}
}

// ClaimAttrs are the attributes a claim reads back.
var ClaimAttrs = []string{Status, CreatedAt, Type, MediaKey, Text, PromptHash, Prompt}

// Claim interprets the stored generation attributes of a result (attr
// returns "" for a missing one). An item recorded before statuses existed
// (created_at, no status) is done.
func Claim(attr func(name string) string) meme.Claim {
	c := meme.Claim{State: attr(Status), Type: attr(Type), MediaKey: attr(MediaKey), Text: attr(Text), PromptHash: attr(PromptHash)}
	if c.State == "" && attr(CreatedAt) != "" {
		c.State = meme.StatusDone
	}
	if c.PromptHash == "" && attr(Prompt) != "" { // recorded before claims bound prompts
		c.PromptHash = meme.PromptHash(attr(Prompt))
	}
	return c
}

// Finite checks that every number in attrs (nested lists and maps too) is
// finite: a NaN or an infinity is not a number DynamoDB or JSON can hold,
// so the item is refused with meme.ErrRejected rather than written as
// "NaN" or panicking.
func Finite(attrs map[string]any) error {
	for name, v := range attrs {
		if err := finite(name, v); err != nil {
			return err
		}
	}
	return nil
}

func finite(at string, v any) error {
	switch t := v.(type) {
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return fmt.Errorf("%w: %s is %v", meme.ErrRejected, at, t)
		}
	case float32:
		return finite(at, float64(t))
	case map[string]any:
		for k, x := range t {
			if err := finite(at+"."+k, x); err != nil {
				return err
			}
		}
	case []map[string]any:
		for i, x := range t {
			if err := finite(fmt.Sprintf("%s[%d]", at, i), x); err != nil {
				return err
			}
		}
	case []any:
		for i, x := range t {
			if err := finite(fmt.Sprintf("%s[%d]", at, i), x); err != nil {
				return err
			}
		}
	}
	return nil
}

// Conflict is the map attribute that holds, by prompt hash, the answers
// given for this result_id to prompts other than the one that claimed it,
// and the battle of each whose prompt matches it (the arena's real
// prompt, when someone pre-set the id with another).
const (
	Conflict     = "conflict"
	MaxConflicts = 8 // answers kept per item: bounds its size
)

// ConflictEntry is an answer to a conflicting prompt as the attributes of
// its entry in Conflict: the generation side, without the keys, the claim
// and the day.
func ConflictEntry(rec meme.Record) map[string]any {
	a := Generation(rec)
	for _, k := range []string{Day, Status, PromptHash} {
		delete(a, k)
	}
	return a
}

// Target is what the stats pass needs of a result item to place a battle:
// its own battle_hash and prompt hash, and each conflicting answer's
// battle_hash by prompt hash.
type Target struct {
	Hash       string
	PromptHash string
	Conflicts  map[string]string
}

// TargetOf reads a Target from an item's attributes (get returns a string
// attribute; conflicts the Conflict map's entries).
func TargetOf(get func(string) string, conflicts map[string]map[string]any) Target {
	t := Target{Hash: get(Hash), PromptHash: get(PromptHash)}
	if t.PromptHash == "" {
		t.PromptHash = meme.PromptHash(get(Prompt)) // recorded before prompt_hash existed
	}
	for h, e := range conflicts {
		if t.Conflicts == nil {
			t.Conflicts = map[string]string{}
		}
		t.Conflicts[h], _ = e[Hash].(string)
	}
	return t
}
