package local

import (
	"context"
	"encoding/json"
	"fmt"
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
