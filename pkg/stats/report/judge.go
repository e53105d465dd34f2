package report

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Arm is the battles of one side of the judge's holdout.
type Arm struct {
	Battles, Wins            int // decided battles, and wins among them
	WinRate, WinLow, WinHigh float64
}

// Uplift is what judging wins against voters: the win rate of judged
// answers (the judge's winner answered) against held-out ones (a uniformly
// random candidate answered, JUDGE_HOLDOUT), and their difference with a
// 95% interval (Newcombe's hybrid score interval of two Wilson intervals).
type Uplift struct {
	Judged, Holdout Arm
	Diff, Low, High float64
}

// JudgeUplift compares judged and held-out answers among items with a
// decided battle; answers no judge ranked are in neither arm.
func JudgeUplift(items []map[string]any) Uplift {
	var u Uplift
	for _, it := range items {
		if valueOf(it, "judge_model") == "(none)" || it["judge_rank"] == nil {
			continue
		}
		arm := &u.Judged
		if fmt.Sprint(it["judge_holdout"]) == "true" {
			arm = &u.Holdout
		}
		switch it["outcome"] {
		case "win":
			arm.Wins++
			arm.Battles++
		case "loss", "tie", "meh":
			arm.Battles++
		}
	}
	for _, a := range []*Arm{&u.Judged, &u.Holdout} {
		if a.Battles > 0 {
			a.WinRate = float64(a.Wins) / float64(a.Battles)
			a.WinLow, a.WinHigh = Wilson(a.Wins, a.Battles, 1.96)
		}
	}
	if u.Judged.Battles > 0 && u.Holdout.Battles > 0 {
		j, h := u.Judged, u.Holdout
		u.Diff = j.WinRate - h.WinRate
		u.Low = u.Diff - math.Sqrt(sq(j.WinRate-j.WinLow)+sq(h.WinHigh-h.WinRate))
		u.High = u.Diff + math.Sqrt(sq(j.WinHigh-j.WinRate)+sq(h.WinRate-h.WinLow))
	}
	return u
}

func sq(x float64) float64 { return x * x }

// WriteUplift prints the judge's uplift, or why there is none yet.
func WriteUplift(w io.Writer, u Uplift) error {
	var b strings.Builder
	b.WriteString("\njudge vs holdout (JUDGE_HOLDOUT: a random candidate answers instead of the judge's winner)\n")
	fmt.Fprintf(&b, "%-10s %8s %6s %8s %16s\n", "answer", "battles", "wins", "win", "95% CI")
	for _, r := range []struct {
		name string
		a    Arm
	}{{"judged", u.Judged}, {"holdout", u.Holdout}} {
		rate, ci := "-", "-"
		if r.a.Battles > 0 {
			rate, ci = pct(r.a.WinRate), pct(r.a.WinLow)+"–"+pct(r.a.WinHigh)
		}
		fmt.Fprintf(&b, "%-10s %8d %6d %8s %16s\n", r.name, r.a.Battles, r.a.Wins, rate, ci)
	}
	if u.Judged.Battles == 0 || u.Holdout.Battles == 0 {
		b.WriteString("uplift: no data yet (it needs decided battles of both judged and held-out answers)\n")
	} else {
		fmt.Fprintf(&b, "uplift: %+.1f points (95%% CI %+.1f to %+.1f)\n", 100*u.Diff, 100*u.Low, 100*u.High)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
