package providertest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// text is a message's content: a string, or the text parts of a list.
func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &parts)
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" {
			b.WriteString(p.Text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

var (
	wantN      = regexp.MustCompile(`write exactly (\d+) different`)
	recipeLine = regexp.MustCompile(`(?m)^- recipe ([a-z-]+):`)
	tplLine    = regexp.MustCompile(`(?m)^- template ([a-z0-9-]+) \(slots: ([^)]*)\)( \[panels: (\d+)\])?`)
	slotLimit  = regexp.MustCompile(`≤(\d+)`)
)

// writeCandidates answers a generator request as a model would: as many
// candidates as asked, cycling through the recipes offered, filling the
// templates offered with the right number of captions (within their
// limits), in fenced JSON with prose around it.
func writeCandidates(system, user string) string {
	n := 4
	if m := wantN.FindStringSubmatch(system); m != nil {
		n, _ = strconv.Atoi(m[1])
	}
	var recipes []string
	for _, m := range recipeLine.FindAllStringSubmatch(system, -1) {
		recipes = append(recipes, m[1])
	}
	type tpl struct {
		id     string
		limits []int
		panels int // a panel format's panels (the panels recipe); 0 for the others
	}
	var tpls, panelTpls []tpl
	for _, m := range tplLine.FindAllStringSubmatch(system, -1) {
		t := tpl{id: m[1]}
		for _, slot := range strings.Split(m[2], ",") {
			limit := 60
			if l := slotLimit.FindStringSubmatch(slot); l != nil {
				limit, _ = strconv.Atoi(l[1])
			}
			t.limits = append(t.limits, limit)
		}
		if m[4] != "" {
			t.panels, _ = strconv.Atoi(m[4])
			panelTpls = append(panelTpls, t)
			continue
		}
		tpls = append(tpls, t)
	}
	topic := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(user, "\n", 2)[0], "Topic:"))
	words := strings.Fields(topic)
	caption := func(k, limit int) string {
		c := fmt.Sprintf("%s, take %d", strings.Join(words[:min(len(words), 4)], " "), k+1)
		if r := []rune(c); len(r) > limit {
			c = string(r[:limit])
		}
		return c
	}
	var cands []map[string]any
	ti := 0
	for k := 0; k < n && len(recipes) > 0; k++ {
		r := recipes[k%len(recipes)]
		c := map[string]any{"plan": fmt.Sprintf("plan %d", k+1), "recipe": r, "p": 0.5 - 0.1*float64(k)}
		// Later candidates laugh more (" ha" k times), so the judge (who
		// counts the laughs it is shown) never agrees with the
		// generator's favourite (the first).
		more := strings.Repeat(" ha", k)
		switch r {
		case "scene":
			c["captions"] = []string{"when the test server", "answers like a real provider" + more}
			c["image_prompt"] = "a robot shrugging in an office"
		case "text":
			c["captions"] = []string{"Test servers: the only providers that never rate-limit you." + more}
		case "reaction":
			c["captions"] = []string{"When " + caption(k, 80-len(more)) + more}
			c["image_prompt"] = "a surprised cat, close-up"
		case "panels":
			if len(panelTpls) == 0 {
				continue
			}
			t := panelTpls[k%len(panelTpls)]
			caps := make([]string, len(t.limits))
			prompts := make([]string, t.panels)
			for i, l := range t.limits {
				caps[i] = caption(k+i, l)
			}
			caps[len(caps)-1] = caption(k+len(caps), t.limits[len(caps)-1]-len(more)) + more
			for i := range prompts {
				prompts[i] = fmt.Sprintf("panel %d of a robot learning to joke", i+1)
			}
			c["template"], c["captions"], c["panel_prompts"] = t.id, caps, prompts
		default: // template, chat-callback, clip: a listed template, all slots
			if len(tpls) == 0 {
				continue
			}
			t := tpls[ti%len(tpls)]
			ti++
			caps := make([]string, len(t.limits))
			widest := 0
			for i, l := range t.limits {
				caps[i] = caption(k+i, l)
				if l > t.limits[widest] {
					widest = i
				}
			}
			if l := t.limits[widest]; l > len(more)+4 {
				caps[widest] = caption(k+widest, l-len(more)) + more
			}
			c["template"], c["captions"] = t.id, caps
		}
		cands = append(cands, c)
	}
	b, _ := json.Marshal(map[string]any{"candidates": cands})
	return "Here are your memes:\n```json\n" + string(b) + "\n```\nHope they win!"
}

var (
	candidateLine = regexp.MustCompile(`(?m)^Candidate (\d+): (.*)$`)
	laugh         = regexp.MustCompile(`\bha\b`)
)

// rankLatest answers a judge request: the candidates ranked by the laughs
// in their description (the generator's later candidates laugh more and
// its favourite, the first, not at all, so this judge always overrules
// it), then by the length of their description, then by number, so the
// verdict does not depend on the order shown.
func rankLatest(user string) string {
	type c struct {
		n, angle, size int
	}
	var cs []c
	for _, m := range candidateLine.FindAllStringSubmatch(user, -1) {
		n, _ := strconv.Atoi(m[1])
		cs = append(cs, c{n: n, size: len(m[2]), angle: len(laugh.FindAllString(m[2], -1))})
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].angle != cs[j].angle {
			return cs[i].angle > cs[j].angle
		}
		if cs[i].size != cs[j].size {
			return cs[i].size > cs[j].size
		}
		return cs[i].n < cs[j].n
	})
	rank := make([]int, len(cs))
	for i, x := range cs {
		rank[i] = x.n
	}
	b, _ := json.Marshal(map[string]any{"ranking": rank})
	return string(b)
}
