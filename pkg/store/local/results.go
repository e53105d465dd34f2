package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"time"

	"punchline/pkg/meme"
	"punchline/pkg/store/item"
)

// Results is the results store: items keyed by result_id, laid out as
// package item says, with the same operations as dynamo.Results.
type Results struct{ *items }

// OpenResults opens the results file at path (results.jsonl).
func OpenResults(path string) (*Results, error) {
	it, err := openItems(path)
	if err != nil {
		return nil, err
	}
	return &Results{it}, nil
}

// PutGeneration records the generation side of a result.
func (s *Results) PutGeneration(ctx context.Context, rec meme.Record) error {
	attrs := item.Generation(rec)
	if err := item.Finite(attrs); err != nil {
		return fmt.Errorf("result %d: %w", rec.ResultID, err)
	}
	vals, err := jsonValues(attrs)
	if err != nil {
		return fmt.Errorf("result %d: %w", rec.ResultID, err)
	}
	return s.update(ctx, strconv.FormatInt(rec.ResultID, 10), vals)
}

// Created returns the ids of results created in [from, to].
func (s *Results) Created(_ context.Context, from, to time.Time) ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int64
	for k, it := range s.m {
		at, ok := it[item.CreatedAt].(string)
		if !ok {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil || t.Before(from) || t.After(to) {
			continue
		}
		if id, err := strconv.ParseInt(k, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// BattleTargets returns, for each of ids that has a result item of ours
// (one with created_at), what placing a battle needs: its battle_hash and
// prompt hash, and its conflicting answers' battle hashes.
func (s *Results) BattleTargets(_ context.Context, ids []int64) (map[int64]item.Target, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int64]item.Target, len(ids))
	for _, id := range ids {
		it := s.m[strconv.FormatInt(id, 10)]
		if _, ours := it[item.CreatedAt]; !ours {
			continue
		}
		out[id] = item.TargetOf(func(k string) string { v, _ := it[k].(string); return v }, conflictsOf(it))
	}
	return out, nil
}

// conflictsOf is an item's conflict map, entries as maps.
func conflictsOf(it map[string]any) map[string]map[string]any {
	raw, _ := it[item.Conflict].(map[string]any)
	out := make(map[string]map[string]any, len(raw))
	for h, v := range raw {
		if e, ok := v.(map[string]any); ok {
			out[h] = e
		}
	}
	return out
}

// PutConflict records the answer rec gave a prompt other than the one
// that claimed result id, under its prompt hash (at most
// item.MaxConflicts; the first answer to a prompt stays).
func (s *Results) PutConflict(ctx context.Context, id int64, promptHash string, rec meme.Record) error {
	entry := item.ConflictEntry(rec)
	if err := item.Finite(entry); err != nil {
		return fmt.Errorf("conflict on result %d: %w", id, err)
	}
	vals, err := jsonValues(entry)
	if err != nil {
		return fmt.Errorf("conflict on result %d: %w", id, err)
	}
	_, err = s.changeIf(ctx, strconv.FormatInt(id, 10), func(cur map[string]any) map[string]any {
		all := conflictsOf(cur)
		if _, had := all[promptHash]; had || len(all) >= item.MaxConflicts {
			return nil
		}
		next := map[string]any{}
		for h, e := range all {
			next[h] = e
		}
		next[promptHash] = vals
		return map[string]any{item.Conflict: next}
	})
	return err
}

// PutConflictBattle sets battle b on the conflicting answer to the prompt
// with promptHash on result id's item, if it is there and its battle_hash
// differs; it reports whether it wrote.
func (s *Results) PutConflictBattle(ctx context.Context, id int64, promptHash string, b meme.BattleSide) (bool, error) {
	vals, err := jsonValues(item.Battle(b))
	if err != nil {
		return false, fmt.Errorf("battle of result %d: %w", id, err)
	}
	return s.changeIf(ctx, strconv.FormatInt(id, 10), func(cur map[string]any) map[string]any {
		all := conflictsOf(cur)
		e, ok := all[promptHash]
		if !ok || e[item.Hash] == b.Hash {
			return nil
		}
		next := map[string]any{}
		for h, x := range all {
			next[h] = x
		}
		merged := map[string]any{}
		for k, v := range e {
			merged[k] = v
		}
		for k, v := range vals {
			merged[k] = v
		}
		next[promptHash] = merged
		return map[string]any{item.Conflict: next}
	})
}

// PutBattle sets the battle attributes on result id's item if it is ours
// and its battle_hash differs; it reports whether it wrote.
func (s *Results) PutBattle(ctx context.Context, id int64, b meme.BattleSide) (bool, error) {
	vals, err := jsonValues(item.Battle(b))
	if err != nil {
		return false, fmt.Errorf("battle of result %d: %w", id, err)
	}
	return s.updateIf(ctx, strconv.FormatInt(id, 10), func(it map[string]any) bool {
		_, ours := it[item.CreatedAt]
		return ours && it[item.Hash] != b.Hash
	}, vals)
}

// Scan calls fn with a copy of every item, its key as result_id.
func (s *Results) Scan(_ context.Context, fn func(map[string]any) error) error {
	for _, k := range s.Keys() {
		it, ok := s.Get(k)
		if !ok {
			continue
		}
		it[item.Key] = json.Number(k)
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

// Claim marks result id as being made, as dynamo.Results.Claim does.
func (s *Results) Claim(ctx context.Context, id int64, promptHash string, at, staleBefore time.Time) (meme.Claim, error) {
	k := strconv.FormatInt(id, 10)
	ok, err := s.updateIf(ctx, k, func(it map[string]any) bool {
		st, _ := it[item.Status].(string)
		_, recorded := it[item.CreatedAt]
		if st == "" && !recorded {
			return true
		}
		claimed, _ := it[item.ClaimedAt].(string)
		return st == meme.StatusPending && claimed < item.Time(staleBefore)
	}, map[string]any{item.Status: meme.StatusPending, item.ClaimedAt: item.Time(at), item.PromptHash: promptHash})
	if err != nil || ok {
		return meme.Claim{Claimed: ok}, err
	}
	return s.Lookup(ctx, id)
}

// Lookup reads result id's generation status.
func (s *Results) Lookup(_ context.Context, id int64) (meme.Claim, error) {
	it, _ := s.Get(strconv.FormatInt(id, 10))
	return item.Claim(func(name string) string { v, _ := it[name].(string); return v }), nil
}

// jsonValues is attrs as a JSON round trip gives them back (numbers as
// json.Number), so memory holds what a restart reads.
func jsonValues(attrs map[string]any) (map[string]any, error) {
	b, err := json.Marshal(attrs)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", meme.ErrRejected, err)
	}
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	_ = dec.Decode(&out)
	return out, nil
}

// Fetch returns copies of the items of ids that exist, with result_id set
// (the named attributes and more: a local store has no projections).
func (s *Results) Fetch(_ context.Context, ids []int64, _ ...string) ([]map[string]any, error) {
	var out []map[string]any
	for _, id := range ids {
		k := strconv.FormatInt(id, 10)
		if it, ok := s.Get(k); ok {
			it[item.Key] = json.Number(k)
			out = append(out, it)
		}
	}
	return out, nil
}

// Conflict counts a request that came for result id with another prompt,
// as dynamo.Results.Conflict does.
func (s *Results) Conflict(ctx context.Context, id int64) error {
	return s.add(ctx, strconv.FormatInt(id, 10), item.Conflicts, 1)
}

// ReadResults reads the results file at path without opening it for
// writing (another process, predict, may be appending to it): every item
// by its key, as a restart would see them now. A missing file has none.
func ReadResults(path string) (map[string]map[string]any, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]map[string]any{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	s := &items{m: map[string]map[string]any{}}
	if err := s.replay(f); err != nil {
		return nil, fmt.Errorf("replay %s: %w", path, err)
	}
	return s.m, nil
}
