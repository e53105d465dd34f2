package aiml

import (
	"sync/atomic"
)

// Prefs are the configured preference lists (CHAT_MODEL, JUDGE_MODEL,
// IMAGE_MODELS, TTS_MODEL), best first.
type Prefs struct {
	Chat, Judge, Image, Speech []string
}

// Lineup is what the preferences come to against the catalogue: the live
// models of each role in order, the judges of another developer than the
// first generator, and the configured names the catalogue no longer lists.
type Lineup struct {
	Chat, Judge, Image []string
	Speech             string
	Gone               []string // configured, not in the catalogue
	// SameFamily are judges dropped for sharing the generator's developer.
	SameFamily []string
	// Vision reports, per judge, whether the catalogue says it takes
	// images (true when the catalogue does not say).
	Vision map[string]bool
}

// Choose lines p up against cat. Without a catalogue every configured
// model counts as live; a partial catalogue (fetched for the configured
// ids) is as good as a full one for them.
func Choose(p Prefs, cat *Catalogue) Lineup {
	var l Lineup
	live := func(names []string) []string {
		var out []string
		for _, n := range names {
			if cat == nil || len(cat.Models) == 0 {
				out = append(out, n)
				continue
			}
			if _, ok := cat.Resolve(n); ok {
				out = append(out, n)
			} else {
				l.Gone = append(l.Gone, n)
			}
		}
		return out
	}
	l.Chat, l.Image = live(p.Chat), live(p.Image)
	if sp := live(p.Speech); len(sp) > 0 {
		l.Speech = sp[0]
	}
	judges := live(p.Judge)
	l.Vision = map[string]bool{}
	for _, j := range judges {
		if len(l.Chat) > 0 && Developer(j, cat) == Developer(l.Chat[0], cat) {
			l.SameFamily = append(l.SameFamily, j)
			continue
		}
		l.Judge = append(l.Judge, j)
		m, ok := cat.Resolve(j)
		l.Vision[j] = !ok || m.Vision
	}
	return l
}

// Roster holds the current lineup, swapped whole when the catalogue
// changes, and filters it through the health record at each use.
type Roster struct {
	l      atomic.Pointer[Lineup]
	Health *Health
}

// NewRoster starts with lineup l.
func NewRoster(l Lineup, h *Health) *Roster {
	r := &Roster{Health: h}
	r.l.Store(&l)
	return r
}

// Set swaps the lineup.
func (r *Roster) Set(l Lineup) { r.l.Store(&l) }

// Lineup is the current lineup, unfiltered.
func (r *Roster) Lineup() Lineup { return *r.l.Load() }

// Chat is the generators to try, best first, without those skipped now.
func (r *Roster) Chat() []string { return r.Health.Usable(r.l.Load().Chat) }

// Judges is the judges to try, best first.
func (r *Roster) Judges() []string { return r.Health.Usable(r.l.Load().Judge) }

// Images is the image models to try, best first.
func (r *Roster) Images() []string { return r.Health.Usable(r.l.Load().Image) }

// Speech is the voice model, "" for none (or skipped now).
func (r *Roster) Speech() string {
	s := r.l.Load().Speech
	if s == "" || len(r.Health.Usable([]string{s})) == 0 {
		return ""
	}
	return s
}

// Vision reports whether judge takes images.
func (r *Roster) Vision(judge string) bool { return r.l.Load().Vision[judge] }
