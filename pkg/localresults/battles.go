package localresults

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"punchline/pkg/meme"
)

// The same operations as dynresults, on the local store.

// Created returns the ids of results created in [from, to].
func (s *Store) Created(_ context.Context, from, to time.Time) ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int64
	for k, item := range s.items {
		at, ok := item["created_at"].(string)
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

// BattleHashes returns the stored battle_hash of each of ids that has a
// result item of ours ("" when it has none).
func (s *Store) BattleHashes(_ context.Context, ids []int64) (map[int64]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int64]string, len(ids))
	for _, id := range ids {
		item := s.items[strconv.FormatInt(id, 10)]
		if _, ours := item["created_at"]; ours {
			h, _ := item["battle_hash"].(string)
			out[id] = h
		}
	}
	return out, nil
}

// PutBattle sets the battle attributes on result id's item if it is ours
// and its battle_hash differs; it reports whether it wrote.
func (s *Store) PutBattle(ctx context.Context, id int64, b meme.BattleSide) (bool, error) {
	attrs, err := toAttrs(b)
	if err != nil {
		return false, fmt.Errorf("marshal battle of %d: %w", id, err)
	}
	return s.UpdateIf(ctx, strconv.FormatInt(id, 10), func(item map[string]any) bool {
		_, ours := item["created_at"]
		return ours && item["battle_hash"] != b.Hash
	}, attrs)
}

// Scan calls fn with a copy of every item, its key as result_id.
func (s *Store) Scan(_ context.Context, fn func(map[string]any) error) error {
	for _, k := range s.Keys() {
		item, ok := s.Get(k)
		if !ok {
			continue
		}
		item["result_id"] = json.Number(k)
		if err := fn(item); err != nil {
			return err
		}
	}
	return nil
}

// Load decodes the JSON value stored under key into v; false if none.
func (s *Store) Load(_ context.Context, key string, v any) (bool, error) {
	item, ok := s.Get(key)
	if !ok {
		return false, nil
	}
	raw, _ := item["value"].(string)
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return false, fmt.Errorf("load %s: %w", key, err)
	}
	return true, nil
}

// Save stores v as JSON under key.
func (s *Store) Save(ctx context.Context, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("save %s: %w", key, err)
	}
	return s.Update(ctx, key, map[string]any{"value": string(raw), "updated_at": time.Now().UTC().Format(meme.TimeLayout)})
}

func toAttrs(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var attrs map[string]any
	err = json.Unmarshal(b, &attrs)
	return attrs, err
}

// Claim marks result id as being made, as dynresults.Claim does.
func (s *Store) Claim(ctx context.Context, id int64, at, staleBefore time.Time) (meme.Claim, error) {
	k := strconv.FormatInt(id, 10)
	ok, err := s.UpdateIf(ctx, k, func(item map[string]any) bool {
		st, _ := item["status"].(string)
		_, recorded := item["created_at"]
		if st == "" && !recorded {
			return true
		}
		claimed, _ := item["claimed_at"].(string)
		return st == meme.StatusPending && claimed < staleBefore.UTC().Format(meme.TimeLayout)
	}, map[string]any{"status": meme.StatusPending, "claimed_at": at.UTC().Format(meme.TimeLayout)})
	if err != nil || ok {
		return meme.Claim{Claimed: ok}, err
	}
	return s.Lookup(ctx, id)
}

// Lookup reads result id's generation status.
func (s *Store) Lookup(_ context.Context, id int64) (meme.Claim, error) {
	item, _ := s.Get(strconv.FormatInt(id, 10))
	str := func(k string) string { v, _ := item[k].(string); return v }
	_, recorded := item["created_at"]
	return meme.ClaimFrom(str("status"), recorded, str("type"), str("media_key"), str("text")), nil
}
