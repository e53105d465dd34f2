package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// CostDimensions are what cost is broken down by, as item attributes.
var CostDimensions = []struct{ Name, Attr string }{
	{"recipe", "recipe"},
	{"chat model", "chat_model"},
	{"judge model", "judge_model"},
	{"image model", "image_model"},
}

// CostRow is what one value of a dimension spent (cost_usd, as the
// provider reported it) and won.
type CostRow struct {
	Dimension, Value string
	Memes            int     // results with a recorded cost
	USD              float64 // their total
	Wins             int     // among them
}

// PerMeme is the mean cost of a meme; PerWin what a win cost (NaN-free:
// 0 without wins).
func (r CostRow) PerMeme() float64 { return r.USD / float64(max(1, r.Memes)) }

// PerWin is the total spent over the wins it bought; 0 with none.
func (r CostRow) PerWin() float64 {
	if r.Wins == 0 {
		return 0
	}
	return r.USD / float64(r.Wins)
}

// Costs adds up cost_usd per recipe and model; results without a cost
// (offline, or recorded before costs were) are left out.
func Costs(items []map[string]any) []CostRow {
	by := map[[2]string]*CostRow{}
	for _, it := range items {
		usd := num(it["cost_usd"])
		if usd <= 0 {
			continue
		}
		win := it["outcome"] == "win"
		for _, d := range CostDimensions {
			v := valueOf(it, d.Attr)
			k := [2]string{d.Name, v}
			r := by[k]
			if r == nil {
				r = &CostRow{Dimension: d.Name, Value: v}
				by[k] = r
			}
			r.Memes++
			r.USD += usd
			if win {
				r.Wins++
			}
		}
	}
	order := map[string]int{}
	for i, d := range CostDimensions {
		order[d.Name] = i
	}
	rows := make([]CostRow, 0, len(by))
	for _, r := range by {
		rows = append(rows, *r)
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Dimension != b.Dimension {
			return order[a.Dimension] < order[b.Dimension]
		}
		if a.USD != b.USD {
			return a.USD > b.USD
		}
		return a.Value < b.Value
	})
	return rows
}

// WriteCosts prints the cost table, or one line saying why there is none.
func WriteCosts(w io.Writer, rows []CostRow) error {
	var b strings.Builder
	b.WriteString("\ncost (cost_usd as the provider reported it)\n")
	if len(rows) == 0 {
		b.WriteString("no result has a recorded cost yet (offline answers cost nothing; costs are recorded since the provider round)\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "%-12s %-32s %6s %10s %10s %6s %10s\n", "dimension", "value", "memes", "total $", "per meme", "wins", "per win")
	last := ""
	for _, r := range rows {
		dim, value := label(&last, r.Dimension, r.Value, 32)
		perWin := "-"
		if r.Wins > 0 {
			perWin = fmt.Sprintf("%.4f", r.PerWin())
		}
		fmt.Fprintf(&b, "%-12s %-32s %6d %10.4f %10.5f %6d %10s\n", dim, value, r.Memes, r.USD, r.PerMeme(), r.Wins, perWin)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
