// Package local is the backend for local runs (`make run`, `make stats`):
// results and state as items in memory, every update appended to a
// JSON-lines file under DATA_DIR and replayed on open, so the stores
// survive restarts (updates merge attributes like DynamoDB's UpdateItem
// SET); media as files under DATA_DIR, served by the local server.
package local

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
)

// items is a file-backed item store keyed by string.
type items struct {
	mu sync.Mutex
	f  *os.File
	m  map[string]map[string]any
}

type entry struct {
	Key string         `json:"k"`
	Set map[string]any `json:"set"`
}

// openItems opens (creating if needed) the store file at path and replays it.
// A torn last line, from a crash mid-write, is ignored.
func openItems(path string) (*items, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &items{f: f, m: map[string]map[string]any{}}
	if err := s.replay(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("replay %s: %w", path, err)
	}
	// Terminate a torn last line so the next append starts a line of its own.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			if _, err := f.Write([]byte{'\n'}); err != nil {
				f.Close()
				return nil, fmt.Errorf("repair %s: %w", path, err)
			}
		}
	}
	return s, nil
}

// maxLine bounds one stored line: a longer one (no item we write comes
// near it) is skipped on replay like a torn one, never held in memory whole.
const maxLine = 16 << 20

func (s *items) replay(r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	long := false
	for {
		chunk, err := br.ReadSlice('\n')
		if !long && len(line)+len(chunk) <= maxLine {
			line = append(line, chunk...)
		} else {
			long, line = true, line[:0]
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue // the same line goes on
		}
		if !long {
			s.apply(bytes.TrimSpace(line))
		}
		line, long = line[:0], false
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
	}
}

// apply merges one stored line; a torn or malformed one is skipped (the
// next line is whole again).
func (s *items) apply(line []byte) {
	if len(line) == 0 {
		return
	}
	var e entry
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&e); err != nil {
		return
	}
	s.merge(e)
}

func (s *items) merge(e entry) {
	item := s.m[e.Key]
	if item == nil {
		item = map[string]any{}
		s.m[e.Key] = item
	}
	for k, v := range e.Set {
		item[k] = v
	}
}

// update sets attrs on the item at key, leaving other attributes as they are.
func (s *items) update(ctx context.Context, key string, attrs map[string]any) error {
	_, err := s.updateIf(ctx, key, nil, attrs)
	return err
}

// add adds delta to the number attribute name of the item at key (a
// missing one counts as 0), as DynamoDB's ADD does: read and write happen
// under one lock, so concurrent adds all count.
func (s *items) add(ctx context.Context, key, name string, delta int64) error {
	_, err := s.changeIf(ctx, key, func(cur map[string]any) map[string]any {
		var n int64
		if v, ok := cur[name].(json.Number); ok {
			n, _ = v.Int64()
		}
		return map[string]any{name: json.Number(strconv.FormatInt(n+delta, 10))}
	})
	if err != nil {
		return fmt.Errorf("add to %s: %w", name, err)
	}
	return nil
}

// updateIf is update when cond, given the current item (nil if none),
// allows it; check and write are atomic. It reports whether it wrote.
func (s *items) updateIf(_ context.Context, key string, cond func(item map[string]any) bool, attrs map[string]any) (bool, error) {
	line, err := json.Marshal(entry{Key: key, Set: attrs})
	if err != nil {
		return false, fmt.Errorf("update %s: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cond != nil && !cond(s.m[key]) {
		return false, nil
	}
	if _, err := s.f.Write(append(line, '\n')); err != nil {
		return false, fmt.Errorf("update %s: %w", key, err)
	}
	// Round-trip so memory holds what a restart would read back.
	var e entry
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&e); err != nil {
		return false, fmt.Errorf("update %s: %w", key, err)
	}
	s.merge(e)
	return true, nil
}

// changeIf computes, under the lock, the attributes to set from the
// current item (nil if none); nil attributes leave the item alone. It
// reports whether it wrote: a read-modify-write as atomic as DynamoDB's
// conditional update.
func (s *items) changeIf(_ context.Context, key string, change func(item map[string]any) map[string]any) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	attrs := change(s.m[key])
	if attrs == nil {
		return false, nil
	}
	e := entry{Key: key, Set: attrs}
	line, err := json.Marshal(e)
	if err != nil {
		return false, fmt.Errorf("update %s: %w", key, err)
	}
	if _, err := s.f.Write(append(line, '\n')); err != nil {
		return false, fmt.Errorf("update %s: %w", key, err)
	}
	s.merge(e)
	return true, nil
}

// Get returns a copy of the item at key.
func (s *items) Get(key string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	item, ok := s.m[key]
	if !ok {
		return nil, false
	}
	out := make(map[string]any, len(item))
	for k, v := range item {
		out[k] = v
	}
	return out, true
}

// Keys returns every key, sorted.
func (s *items) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.m))
	for k := range s.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Close closes the file.
func (s *items) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Close()
}
