package local

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"punchline/pkg/store/item"
)

// State is the state store: JSON documents by key, as dynamo.State.
type State struct{ *items }

// OpenState opens the state file at path (state.jsonl).
func OpenState(path string) (*State, error) {
	it, err := openItems(path)
	if err != nil {
		return nil, err
	}
	return &State{it}, nil
}

// Load decodes the JSON value stored under key into v; false if none.
func (s *State) Load(_ context.Context, key string, v any) (bool, error) {
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
func (s *State) Save(ctx context.Context, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("save %s: %w", key, err)
	}
	return s.update(ctx, key, map[string]any{"value": string(raw), "updated_at": item.Time(time.Now())})
}

// Take adds n to the counter at key when the total stays at most limit,
// atomically, as dynamo.State.Take. Local counters do not expire.
func (s *State) Take(ctx context.Context, key string, n, limit int64, _ time.Time) (int64, bool, error) {
	var total int64
	took, err := s.changeIf(ctx, key, func(cur map[string]any) map[string]any {
		if v, ok := cur["count"].(json.Number); ok {
			total, _ = v.Int64()
		}
		if total+n > limit {
			return nil
		}
		total += n
		return map[string]any{"count": json.Number(strconv.FormatInt(total, 10))}
	})
	if !took {
		total = limit
	}
	return total, took, err
}

// Lease takes the lease at key for owner until until, as dynamo.State.Lease.
func (s *State) Lease(ctx context.Context, key, owner string, now, until time.Time) (bool, error) {
	return s.changeIf(ctx, key, func(cur map[string]any) map[string]any {
		held, _ := cur["owner"].(string)
		end, _ := cur["until"].(json.Number)
		ms, _ := end.Int64()
		if held != "" && held != owner && ms >= now.UnixMilli() {
			return nil
		}
		return map[string]any{"owner": owner, "until": json.Number(strconv.FormatInt(until.UnixMilli(), 10))}
	})
}

// Release gives the lease at key back if owner still holds it.
func (s *State) Release(ctx context.Context, key, owner string) error {
	_, err := s.changeIf(ctx, key, func(cur map[string]any) map[string]any {
		if held, _ := cur["owner"].(string); held != owner {
			return nil
		}
		return map[string]any{"owner": "", "until": json.Number("0")}
	})
	return err
}
