package joke

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"punchline/pkg/meme"
)

// maxCandidates bounds what one answer may bring.
const maxCandidates = 16

// ParseCandidates extracts the generator's candidates from a model answer
// (bare JSON, fenced, or inside prose; {"candidates": [...]} or a bare
// list), reading each field tolerantly: wrong types are ignored, captions
// may be a string or a list, p may be a number or a numeric string.
// Validate decides which candidates are usable.
func ParseCandidates(answer, prompt string) ([]meme.Candidate, error) {
	values := jsonValues(answer, 8)
	if len(values) == 0 {
		return nil, errors.New("no JSON in answer")
	}
	var firstErr error
	for _, v := range values {
		cands, err := candidatesIn(v)
		if err == nil {
			return cands, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// candidatesIn reads the candidates in one decoded JSON value.
func candidatesIn(v any) ([]meme.Candidate, error) {
	var list []any
	switch t := v.(type) {
	case map[string]any:
		switch c := t["candidates"].(type) {
		case []any:
			list = c
		case map[string]any:
			list = []any{c}
		default:
			if _, single := t["recipe"]; single {
				list = []any{t}
			}
		}
	case []any:
		list = t
	}
	if len(list) == 0 {
		return nil, errors.New("answer has no candidates")
	}
	var out []meme.Candidate
	for _, item := range list[:min(len(list), maxCandidates)] {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		c := meme.Candidate{
			Recipe:      strings.ToLower(str(m["recipe"])),
			Template:    strings.ToLower(str(m["template"])),
			ImagePrompt: str(m["image_prompt"]),
			Angle:       str(m["angle"]),
			P:           num(m["p"]),
		}
		switch cs := m["captions"].(type) {
		case []any:
			for _, x := range cs {
				c.Captions = append(c.Captions, str(x))
			}
		case string:
			c.Captions = []string{strings.TrimSpace(cs)}
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("answer has no candidate objects")
	}
	return out, nil
}

func str(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return ""
}

func num(v any) float64 {
	switch t := v.(type) {
	case float64:
		return t
	case string:
		f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(t), "%"), 64)
		if err != nil {
			return 0
		}
		if strings.HasSuffix(strings.TrimSpace(t), "%") {
			f /= 100
		}
		return f
	}
	return 0
}

// ParseRanking reads the judge's {"ranking": [n, …]} (numbers from 1 in
// the order shown) into shown positions (from 0), best first. Unknown,
// repeated or missing numbers are tolerated: valid ones keep their order,
// the rest follow in the order shown; ok is false when no number was
// usable.
func ParseRanking(answer string, n int) (order []int, ok bool) {
	var list []any
	for _, v := range jsonValues(answer, 8) {
		switch t := v.(type) {
		case map[string]any:
			list, _ = t["ranking"].([]any)
		case []any:
			list = t
		}
		if len(list) > 0 {
			break
		}
	}
	seen := make([]bool, n)
	for _, x := range list {
		k := int(num(x))
		if f := num(x); f != float64(k) || k < 1 || k > n || seen[k-1] {
			continue
		}
		seen[k-1] = true
		order = append(order, k-1)
		ok = true
	}
	for i := range n {
		if !seen[i] {
			order = append(order, i)
		}
	}
	return order, ok
}

// jsonValues decodes up to max balanced JSON objects or arrays found in s,
// in order, skipping brackets inside strings, so prose and ``` fences
// around them do not matter.
func jsonValues(s string, max int) []any {
	var out []any
	for start := strings.IndexAny(s, "{["); start >= 0 && len(out) < max; {
		end := balanced(s, start)
		if end > 0 {
			var v any
			if json.Unmarshal([]byte(s[start:end]), &v) == nil {
				out = append(out, v)
				if next := strings.IndexAny(s[end:], "{["); next >= 0 {
					start = end + next
					continue
				}
				break
			}
		}
		next := strings.IndexAny(s[start+1:], "{[")
		if next < 0 {
			break
		}
		start += 1 + next
	}
	return out
}

// balanced returns the end (exclusive) of the bracketed value opening at
// s[start], or -1 when it does not close.
func balanced(s string, start int) int {
	open := s[start]
	close := byte('}')
	if open == '[' {
		close = ']'
	}
	depth, inStr, esc := 0, false, false
	for i := start; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == open:
			depth++
		case c == close:
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}
