package learn

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"punchline/pkg/meme"
)

// ModelScore is the evidence on one image model: how often it delivered
// the picture when it was tried first, how fast, and its standing on
// ModelChorus' image leaderboard.
type ModelScore struct {
	Model     string  `json:"model"`
	Tried     int     `json:"tried"`      // requests that tried it first
	Success   float64 `json:"success"`    // smoothed share of those it answered
	LatencyMS float64 `json:"latency_ms"` // median image time when it answered
	Elo       float64 `json:"elo"`        // ModelChorus rating, 0 when unknown
	Score     float64 `json:"score"`
}

// Standing is a leaderboard entry as the stats function snapshots it
// (modelchorus.Standing).
type Standing struct {
	Model string  `json:"modelName"`
	Elo   float64 `json:"eloRating"`
}

// ModelScores ranks the image models seen in items (and on the
// leaderboard), best first: success when tried first (smoothed toward
// one half), times a speed factor (4 s counts half), times a quality
// factor from the leaderboard's Elo (0.75 when the model is not on it).
func ModelScores(items []map[string]any, board []Standing) []ModelScore {
	type acc struct {
		tried, won int
		lat        []float64
	}
	by := map[string]*acc{}
	get := func(m string) *acc {
		if by[m] == nil {
			by[m] = &acc{}
		}
		return by[m]
	}
	for _, it := range items {
		order, _ := it["image_order"].([]any)
		used, _ := it["image_model"].(string)
		if len(order) > 0 {
			if first, ok := order[0].(string); ok {
				a := get(first)
				a.tried++
				if used == first {
					a.won++
				}
			}
		}
		if used != "" && used != meme.OfflineModel {
			if st, ok := it["stage_ms"].(map[string]any); ok {
				if ms := num(st["image"]); ms > 0 {
					get(used).lat = append(get(used).lat, ms)
				}
			}
		}
	}
	minElo, maxElo := math.Inf(1), math.Inf(-1)
	for _, s := range board {
		minElo, maxElo = math.Min(minElo, s.Elo), math.Max(maxElo, s.Elo)
	}
	var out []ModelScore
	for m, a := range by {
		ms := ModelScore{Model: m, Tried: a.tried, Success: (float64(a.won) + 1) / (float64(a.tried) + 2)}
		if len(a.lat) > 0 {
			sort.Float64s(a.lat)
			ms.LatencyMS = a.lat[len(a.lat)/2]
		}
		quality := 0.75
		for _, s := range board {
			if sameModel(m, s.Model) {
				ms.Elo = s.Elo
				if maxElo > minElo {
					quality = 0.5 + 0.5*(s.Elo-minElo)/(maxElo-minElo)
				}
				break
			}
		}
		speed := 1.0
		if ms.LatencyMS > 0 {
			speed = 1 / (1 + ms.LatencyMS/4000)
		}
		ms.Score = ms.Success * speed * quality
		out = append(out, ms)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Model < out[j].Model
	})
	return out
}

func num(v any) float64 {
	switch t := v.(type) {
	case float64:
		return t
	case int64:
		return float64(t)
	}
	f, err := strconv.ParseFloat(str(v), 64)
	if err != nil {
		return 0
	}
	return f
}

// sameModel matches our model id ("flux/schnell") with a leaderboard name
// ("FLUX.1 [schnell]"): every word of ours appears in theirs.
func sameModel(ours, theirs string) bool {
	t := strings.ToLower(theirs)
	words := strings.FieldsFunc(strings.ToLower(ours), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) == 0 {
		return false
	}
	for _, w := range words {
		if !strings.Contains(t, w) {
			return false
		}
	}
	return true
}

// Order is models (the configured ones) in the order of the evidence:
// scored models by score, the rest after them in the configured order.
func (p *Policy) Order(models []string) []string {
	rank := map[string]int{}
	for i, s := range p.ImageModels {
		rank[s.Model] = i
	}
	out := append([]string(nil), models...)
	sort.SliceStable(out, func(i, j int) bool {
		ri, iok := rank[out[i]]
		rj, jok := rank[out[j]]
		switch {
		case iok && jok:
			return ri < rj
		case iok != jok:
			return iok
		}
		return false
	})
	return out
}
