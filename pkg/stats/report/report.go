// Package report turns result items into what analysts ask first: win
// rate with a Wilson 95% interval, meh rate and battle counts per strategy,
// recipe, image model, format, language, template and template source, as a text table, a CSV and a chart.
package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"punchline/pkg/learn"
	"punchline/pkg/meme"
	"sort"
	"strconv"
	"strings"
)

// Dimensions reported, as item attributes, in order.
var Dimensions = []struct{ Name, Attr string }{
	{"strategy", "strategy"},
	{"recipe", "recipe"},
	{"image model", "image_model"},
	{"format", "type"},
	{"language", "lang"},
	{"template", "template"},
	{"template source", "template_source"},
}

// Row is one value of one dimension.
type Row struct {
	Dimension, Value                  string
	Battles                           int // items with a battle
	Wins, Losses, Ties, Mehs          int
	Pending, Unknown                  int // no votes yet, or no battle yet; a result we do not recognise
	Simulated                         int // battles of a stand-in arena (make arena-fake) among Battles
	WinRate, WinLow, WinHigh, MehRate float64
}

// Decided is the battles with an outcome: the base of the rates.
func (r Row) Decided() int { return r.Wins + r.Losses + r.Ties + r.Mehs }

// Wilson returns the Wilson score interval for k successes in n trials at
// z standard deviations (1.96 for 95%); (0, 0) when n is 0.
func Wilson(k, n int, z float64) (lo, hi float64) {
	return learn.WilsonInterval(float64(k), float64(n), z)
}

// Build aggregates items (attribute maps as the stores scan them). Items
// without a battle are not counted.
func Build(items []map[string]any) []Row {
	byKey := map[[2]string]*Row{}
	for _, it := range items {
		outcome, _ := it["outcome"].(string)
		if outcome == "" {
			if _, made := it["created_at"]; !made {
				continue // not a result of ours
			}
			outcome = "no-battle" // recorded, no battle yet: counted as pending
		}
		for _, d := range Dimensions {
			v := valueOf(it, d.Attr)
			k := [2]string{d.Name, v}
			r := byKey[k]
			if r == nil {
				r = &Row{Dimension: d.Name, Value: v}
				byKey[k] = r
			}
			if outcome != "no-battle" {
				r.Battles++
				if num(it["battle_id"]) >= float64(meme.SimulatedBattles) {
					r.Simulated++
				}
			}
			switch outcome {
			case "win":
				r.Wins++
			case "loss":
				r.Losses++
			case "tie":
				r.Ties++
			case "meh":
				r.Mehs++
			case "pending", "no-battle":
				r.Pending++
			default:
				r.Unknown++
			}
		}
	}
	rows := make([]Row, 0, len(byKey))
	for _, r := range byKey {
		if n := r.Decided(); n > 0 {
			r.WinRate = float64(r.Wins) / float64(n)
			r.MehRate = float64(r.Mehs) / float64(n)
			r.WinLow, r.WinHigh = Wilson(r.Wins, n, 1.96)
		}
		rows = append(rows, *r)
	}
	order := map[string]int{}
	for i, d := range Dimensions {
		order[d.Name] = i
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Dimension != b.Dimension {
			return order[a.Dimension] < order[b.Dimension]
		}
		if a.Decided() != b.Decided() {
			return a.Decided() > b.Decided()
		}
		return a.Value < b.Value
	})
	return rows
}

// valueOf is an item's attribute as a report value, "(none)" when absent.
func valueOf(it map[string]any, attr string) string {
	v := strings.TrimSpace(fmt.Sprint(it[attr]))
	if v == "" || v == "<nil>" {
		return "(none)"
	}
	return v
}

// label is a table row's first two cells: the dimension, blank when it
// repeats the row above's (last), and the value cut to width runes.
func label(last *string, dim, value string, width int) (string, string) {
	shown := dim
	if dim == *last {
		shown = ""
	}
	*last = dim
	if len([]rune(value)) > width {
		value = string([]rune(value)[:width-1]) + "…"
	}
	return shown, value
}

func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

// WriteTable prints rows as an aligned text table.
func WriteTable(w io.Writer, rows []Row) error {
	if len(rows) == 0 {
		_, err := io.WriteString(w, "no results yet: make run (or the arena) makes them; make stats then adds their battles\n")
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-12s %-28s %8s %8s %17s %8s %6s %6s %6s %6s %7s\n",
		"dimension", "value", "battles", "win", "95% CI", "meh", "wins", "losses", "ties", "mehs", "pending")
	last := ""
	for _, r := range rows {
		dim, value := label(&last, r.Dimension, r.Value, 28)
		ci := "-"
		win, meh := "-", "-"
		if r.Decided() > 0 {
			ci = pct(r.WinLow) + "–" + pct(r.WinHigh)
			win, meh = pct(r.WinRate), pct(r.MehRate)
		}
		fmt.Fprintf(&b, "%-12s %-28s %8d %8s %17s %8s %6d %6d %6d %6d %7d\n",
			dim, value, r.Battles, win, ci, meh, r.Wins, r.Losses, r.Ties, r.Mehs, r.Pending)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV writes rows with a header; rates as fractions.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	_ = cw.Write([]string{"dimension", "value", "battles", "decided", "wins", "losses", "ties", "mehs", "pending", "unknown",
		"win_rate", "win_ci95_low", "win_ci95_high", "meh_rate", "simulated"})
	for _, r := range rows {
		_ = cw.Write([]string{r.Dimension, r.Value, strconv.Itoa(r.Battles), strconv.Itoa(r.Decided()),
			strconv.Itoa(r.Wins), strconv.Itoa(r.Losses), strconv.Itoa(r.Ties), strconv.Itoa(r.Mehs),
			strconv.Itoa(r.Pending), strconv.Itoa(r.Unknown), f(r.WinRate), f(r.WinLow), f(r.WinHigh), f(r.MehRate), strconv.Itoa(r.Simulated)})
	}
	cw.Flush()
	return cw.Error()
}

// WithConflicts is items plus, as items of their own, the answers kept
// beside a claim for other prompts (the conflict map: a result_id someone
// claimed first with another prompt), each with its own battle, so the
// arena's answer and its votes are counted like any other.
func WithConflicts(items []map[string]any) []map[string]any {
	out := items
	for _, it := range items {
		raw, _ := it["conflict"].(map[string]any)
		for _, v := range raw {
			e, ok := v.(map[string]any)
			if !ok {
				continue
			}
			row := make(map[string]any, len(e)+2)
			for k, x := range e {
				row[k] = x
			}
			row["result_id"], row["conflict_answer"] = it["result_id"], true
			out = append(out, row)
		}
	}
	return out
}

// Simulated counts the items whose battle comes from a stand-in arena
// (battle ids from meme.SimulatedBattles: make arena-fake).
func Simulated(items []map[string]any) int {
	n := 0
	for _, it := range items {
		if id := num(it["battle_id"]); id >= float64(meme.SimulatedBattles) {
			n++
		}
	}
	return n
}
