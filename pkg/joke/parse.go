package joke

import (
	"encoding/json"
	"errors"
	"math"
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
			Plan:        str(m["plan"]),
			P:           num(m["p"]),
		}
		if c.Plan == "" {
			c.Plan = str(m["angle"]) // the first prompt's name for it
		}
		if ps, ok := m["panel_prompts"].([]any); ok {
			for _, x := range ps {
				c.PanelPrompts = append(c.PanelPrompts, str(x))
			}
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
	var f float64
	switch t := v.(type) {
	case float64:
		f = t
	case string:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(t), "%"), 64); err != nil {
			return 0
		}
		if strings.HasSuffix(strings.TrimSpace(t), "%") {
			f /= 100
		}
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0 // "NaN", "Inf", "1e999": min and max let NaN through
	}
	return f
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

// jsonValues returns up to max JSON values found in s, in order: the
// outermost bracketed spans that parse, and where one does not, the spans
// directly inside it. It reads s once to find the spans (a stack of open
// brackets, strings tracked only inside them), and bounds what it hands
// to the JSON decoder, so a hostile answer (150,000 "[") costs linear time:
// the old scan restarted at every bracket.
func jsonValues(s string, max int) []any {
	spans := bracketSpans(s)
	budget := 4*len(s) + 1024 // bytes the decoder may be given, in all
	tries := 64               // and how many times
	var out []any
	var try func(idx []int)
	try = func(idx []int) {
		for _, i := range idx {
			if len(out) >= max || tries == 0 {
				return
			}
			sp := spans[i]
			n := sp.end - sp.start
			if n > budget {
				continue
			}
			budget -= n
			tries--
			var v any
			if json.Unmarshal([]byte(s[sp.start:sp.end]), &v) == nil {
				out = append(out, v)
				continue
			}
			try(sp.children)
		}
	}
	var top []int
	for i, sp := range spans {
		if sp.parent < 0 { // outermost, or inside a bracket that never closed
			top = append(top, i)
		}
	}
	try(top)
	if len(out) == 0 {
		// A stray quote or bracket in the prose before the JSON shifts the
		// one pass; a few fresh starts at the first brackets find it, each
		// scan linear.
		out = freshStarts(s, max, 16)
	}
	return out
}

// freshStarts scans from each of the first tries brackets of s as if the
// value began there, keeping up to max values that parse.
func freshStarts(s string, max, tries int) []any {
	var out []any
	for start := strings.IndexAny(s, "{["); start >= 0 && len(out) < max && tries > 0; tries-- {
		if end := balanced(s, start); end > 0 {
			var v any
			if json.Unmarshal([]byte(s[start:end]), &v) == nil {
				out = append(out, v)
				next := strings.IndexAny(s[end:], "{[")
				if next < 0 {
					break
				}
				start = end + next
				continue
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

// span is a bracketed run of s: [start, end) once closed.
type span struct {
	start, end int
	parent     int // index of the enclosing span, -1 at the top
	closed     bool
	children   []int
}

// maxDepth bounds the brackets tracked at once: a model's JSON nests a
// few levels, and a span nested deeper is inside one that is tried whole.
const maxDepth = 64

// bracketSpans finds every bracketed span of s in one pass, in order of
// their opening bracket. A closer that does not match its opener breaks
// every span still open (none of them is JSON).
func bracketSpans(s string) []span {
	var spans []span
	var stack []int
	deep := 0 // openers past maxDepth: counted, not tracked
	inStr, esc := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if len(stack) > 0 && inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = len(stack) > 0
		case '{', '[':
			if len(stack) >= maxDepth {
				deep++
				continue
			}
			parent := -1
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			spans = append(spans, span{start: i, parent: parent})
			if parent >= 0 {
				spans[parent].children = append(spans[parent].children, len(spans)-1)
			}
			stack = append(stack, len(spans)-1)
		case '}', ']':
			if deep > 0 {
				deep--
				continue
			}
			if len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			if open := s[spans[top].start]; (open == '{') != (c == '}') {
				stack, deep = stack[:0], 0 // mismatched: what is open is not JSON
				continue
			}
			stack = stack[:len(stack)-1]
			spans[top].end, spans[top].closed = i+1, true
		}
	}
	// Spans still open never closed: drop them, their closed children
	// stand on their own.
	out := spans[:0:0]
	remap := make([]int, len(spans))
	for i, sp := range spans {
		remap[i] = -1
		if sp.closed {
			remap[i] = len(out)
			out = append(out, sp)
		}
	}
	for i := range out {
		if p := out[i].parent; p >= 0 {
			out[i].parent = remap[p]
		}
		kids := out[i].children[:0:0]
		for _, k := range out[i].children {
			if remap[k] >= 0 {
				kids = append(kids, remap[k])
			}
		}
		out[i].children = kids
	}
	return out
}
