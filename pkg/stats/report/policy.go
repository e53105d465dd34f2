package report

import (
	"fmt"
	"html/template"
	"image"
	"image/color"
	"io"
	"math"
	"sort"
	"unicode/utf8"

	"punchline/pkg/learn"
	"punchline/pkg/media/render"
	"punchline/pkg/media/scene"
	"punchline/pkg/meme"
)

// Arms writes each arm's posterior mean with its 95% interval and the
// (decayed) battles behind it, most battled first.
func Arms(w io.Writer, p learn.Policy) error {
	keys := make([]string, 0, len(p.Arms))
	for k := range p.Arms {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return p.Arms[keys[i]].N > p.Arms[keys[j]].N })
	fmt.Fprintf(w, "\nlearned policy (%d battles, window %s, half-life %s; prior mean %.2f)\n", p.Battles, p.Window, p.HalfLife, p.Prior.Mean())
	if len(keys) == 0 {
		_, err := fmt.Fprintln(w, "no arms yet: no online result (a recipe the joke engine drew) has a decided battle in the window; offline answers draw no recipe")
		return err
	}
	fmt.Fprintf(w, "%-34s %8s %7s %15s\n", "arm (recipe/lang/kind)", "battles", "mean", "95% interval")
	for _, k := range keys {
		b := p.Arms[k]
		lo, hi := b.Interval()
		if _, err := fmt.Fprintf(w, "%-34s %8.1f %6.1f%% %6.1f–%5.1f%%\n", k, b.N, 100*b.Mean(), 100*lo, 100*hi); err != nil {
			return err
		}
	}
	return nil
}

// ImageModels writes the image models in the order the evidence gives
// them (predict tries the configured ones in this order).
func ImageModels(w io.Writer, scores []learn.ModelScore) error {
	fmt.Fprintf(w, "\nimage models by evidence (tried first → answered, median time, ModelChorus Elo):\n")
	if len(scores) == 0 {
		_, err := fmt.Fprintln(w, "no image model tried yet: every picture so far is offline (no provider key) or a template")
		return err
	}
	for i, s := range scores {
		if _, err := fmt.Fprintf(w, "%d. %-28s tried %4d, success %5.1f%%, %6.0f ms, Elo %4.0f, score %.3f\n",
			i+1, s.Model, s.Tried, 100*s.Success, s.LatencyMS, s.Elo, s.Score); err != nil {
			return err
		}
	}
	return nil
}

// noTraffic is what an empty traffic chart says.
const noTraffic = "no data: no answer has a recipe yet (offline answers draw none)"

// Share is one day's share of answers by recipe.
type Share struct {
	Day    string
	Counts map[string]int
	Total  int
}

// Traffic is the share of answers each recipe got, by creation day.
func Traffic(items []map[string]any) []Share {
	byDay := map[string]*Share{}
	for _, it := range items {
		recipe, _ := it["recipe"].(string)
		at, _ := it["created_at"].(string)
		if recipe == "" || len(at) < 10 {
			continue
		}
		d := byDay[at[:10]]
		if d == nil {
			d = &Share{Day: at[:10], Counts: map[string]int{}}
			byDay[at[:10]] = d
		}
		d.Counts[recipe]++
		d.Total++
	}
	out := make([]Share, 0, len(byDay))
	for _, d := range byDay {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day < out[j].Day })
	return out
}

var recipeColours = map[string]string{
	meme.RecipeScene: "#1f77b4", meme.RecipeTemplate: "#ff7f0e", meme.RecipeReaction: "#2ca02c",
	meme.RecipeChatCallback: "#9467bd", meme.RecipeClip: "#8c564b", meme.RecipeText: "#d62728",
}

// TrafficChart draws each recipe's daily share of answers as a line: how
// the policy moves traffic to what wins.
func TrafficChart(days []Share) (*image.RGBA, error) {
	const W, H, x0, x1, y0, y1 = 1000, 520, 70.0, 820.0, 60.0, 460.0
	sc := scene.Scene{Size: []int{W, H}, Background: "#ffffff"}
	px := func(x, y float64) (float64, float64) { return x / W, y / H }
	line := func(xa, ya, xb, yb float64, colour string, width float64) {
		ax, ay := px(xa, ya)
		bx, by := px(xb, yb)
		sc.Shapes = append(sc.Shapes, scene.Shape{Line: []float64{ax, ay, bx, by}, Width: width, Stroke: colour})
	}
	for _, f := range []float64{0, 0.25, 0.5, 0.75, 1} {
		y := y1 - f*(y1-y0)
		line(x0, y, x1, y, "#e5e5e5", 0.001)
	}
	line(x0, y0, x0, y1, "#333333", 0.002)
	line(x0, y1, x1, y1, "#333333", 0.002)
	recipes := map[string]bool{}
	for _, d := range days {
		for r := range d.Counts {
			recipes[r] = true
		}
	}
	names := make([]string, 0, len(recipes))
	for r := range recipes {
		names = append(names, r)
	}
	sort.Strings(names)
	xAt := func(i int) float64 {
		if len(days) < 2 {
			return (x0 + x1) / 2
		}
		return x0 + float64(i)*(x1-x0)/float64(len(days)-1)
	}
	for _, r := range names {
		colour := recipeColours[r]
		if colour == "" {
			colour = "#7f7f7f"
		}
		for i := 1; i < len(days); i++ {
			a := float64(days[i-1].Counts[r]) / math.Max(1, float64(days[i-1].Total))
			b := float64(days[i].Counts[r]) / math.Max(1, float64(days[i].Total))
			line(xAt(i-1), y1-a*(y1-y0), xAt(i), y1-b*(y1-y0), colour, 0.004)
		}
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	img := sc.Paint()
	ink := colour("#222222")
	if _, err := render.Label(img, "Share of answers by recipe, per day", 20, 34, 22, ink); err != nil {
		return nil, err
	}
	for _, f := range []float64{0, 0.5, 1} {
		if _, err := render.Label(img, fmt.Sprintf("%d%%", int(100*f)), 20, y1-f*(y1-y0)+5, 14, ink); err != nil {
			return nil, err
		}
	}
	if len(days) > 0 {
		_, _ = render.Label(img, days[0].Day, x0, y1+28, 14, ink)
		_, _ = render.Label(img, days[len(days)-1].Day, x1-80, y1+28, 14, ink)
	}
	if len(names) == 0 {
		// An empty chart says so, rather than looking like a broken one.
		if _, err := render.Label(img, noTraffic, x0+40, (y0+y1)/2, 22, colour("#777777")); err != nil {
			return nil, err
		}
	}
	for i, r := range names {
		c := recipeColours[r]
		if c == "" {
			c = "#7f7f7f"
		}
		if _, err := render.Label(img, "— "+r, x1+20, y0+20+float64(i)*26, 18, colour(c)); err != nil {
			return nil, err
		}
	}
	return img, nil
}

func colour(hex string) color.RGBA {
	v, _ := scene.ParseColor(hex)
	return v
}

// GalleryItem is one meme on the gallery page.
type GalleryItem struct {
	Media, Type, Text, Prompt, Caption, Outcome string
	Short                                       string // the prompt's first 200 characters when it is longer ("" otherwise): the page folds it
	Votes                                       string // ours : theirs
	Score                                       float64
	win                                         bool
}

// GallerySection is the best and worst memes of one recipe or template,
// with its win rate over all its decided memes.
type GallerySection struct {
	Title       string
	Best, Worst []GalleryItem
	N, Wins     int
}

// WinRate is the section's share of wins, in percent.
func (s GallerySection) WinRate() float64 { return 100 * float64(s.Wins) / float64(max(1, s.N)) }

// Gallery picks, per recipe and per template, the n most and least
// successful decided memes: scored by outcome, then by the vote margin.
// media maps an item's media_key to a link the page can load ("" leaves
// the picture out).
func Gallery(items []map[string]any, n int, media func(key string) string) []GallerySection {
	groups := map[string][]GalleryItem{}
	for _, it := range items {
		outcome, _ := it["outcome"].(string)
		r, ok := learn.Reward(outcome)
		if !ok {
			continue
		}
		first, second := num(it["votes_first"]), num(it["votes_second"])
		if side := num(it["side"]); side == 2 {
			first, second = second, first
		}
		// Items recorded before model text was cleaned at entry may hold
		// control characters or bidi overrides: none reach the page.
		str := func(k string) string { v, _ := it[k].(string); return meme.CleanText(v) }
		g := GalleryItem{Type: str("type"), Text: str("text"), Prompt: str("prompt"), Caption: str("caption"), Outcome: outcome,
			Votes: fmt.Sprintf("%.0f : %.0f", first, second), Score: r + (first-second)/math.Max(1, first+second)/10, win: outcome == "win"}
		if utf8.RuneCountInString(g.Prompt) > foldAt {
			g.Short = string([]rune(g.Prompt)[:foldAt]) + "…"
		}
		if key := str("media_key"); key != "" {
			g.Media = media(key)
		}
		if recipe := str("recipe"); recipe != "" {
			groups["recipe "+recipe] = append(groups["recipe "+recipe], g)
		}
		if tpl := str("template"); tpl != "" {
			groups["template "+tpl] = append(groups["template "+tpl], g)
		}
	}
	titles := make([]string, 0, len(groups))
	for t := range groups {
		titles = append(titles, t)
	}
	sort.Strings(titles)
	var out []GallerySection
	for _, t := range titles {
		g := groups[t]
		sort.SliceStable(g, func(i, j int) bool { return g[i].Score > g[j].Score })
		k := min(n, len(g))
		worst := append([]GalleryItem(nil), g[len(g)-min(n, len(g)-k):]...)
		if len(worst) > 0 && worst[len(worst)-1].Score >= g[k-1].Score {
			worst = nil // no worse than the best shown: a "worst" row would say nothing
		}
		sec := GallerySection{Title: t, Best: g[:k], Worst: worst, N: len(g)}
		for _, it := range g {
			if it.win {
				sec.Wins++
			}
		}
		out = append(out, sec)
	}
	return out
}

// foldAt is how much of a long prompt the gallery shows before folding it.
const foldAt = 200

func num(v any) float64 {
	var f float64
	fmt.Sscan(fmt.Sprint(v), &f)
	return f
}

var galleryPage = template.Must(template.New("gallery").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>punchline gallery</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 20px; color: #222; }
h2 { font-size: 16px; border-top: 1px solid #ddd; padding-top: 10px; }
.strip { display: flex; gap: 12px; flex-wrap: wrap; }
.meme { width: 220px; font-size: 12px; }
.meme img, .meme video { width: 220px; display: block; }
.meme .text { white-space: pre-wrap; background: #fffbe6; padding: 6px; }
.win { color: #1a7f37; } .loss, .meh { color: #b42318; }
.simulated { background: #fff3cd; border: 1px solid #e0c36a; padding: 6px 10px; }
.label { font-size: 11px; color: #666; text-transform: uppercase; margin: 6px 0 2px; }
details summary { cursor: pointer; }
</style></head><body>
<h1>What wins: the best and worst memes per recipe and template</h1>
<p>Each meme is ours; votes read <b>ours : theirs</b>.</p>
{{if .Simulated}}<p class="simulated"><b>Simulated votes:</b> {{.Simulated}} of these battles come from the stand-in arena (make arena-fake), not from voters.</p>{{end}}
{{if not .Sections}}<p>No decided battle yet: the gallery fills once make stats (or the stats function) has brought votes in.</p>{{end}}
{{range .Sections}}<h2>{{.Title}} <small>— {{printf "%.0f" .WinRate}}% wins of {{.N}}</small></h2>
<div class="label">best</div>
<div class="strip">{{range .Best}}<div class="meme">{{template "meme" .}}</div>{{end}}</div>
{{if .Worst}}<div class="label">worst</div><div class="strip">{{range .Worst}}<div class="meme">{{template "meme" .}}</div>{{end}}</div>{{end}}
{{end}}
<script>
window.addEventListener('load', () => {
  const imgs = [...document.images];
  document.title = 'loaded ' + imgs.filter(i => i.complete && i.naturalWidth > 0).length + ' of ' + imgs.length;
});
</script></body></html>
{{define "meme"}}{{if and .Media (eq .Type "image")}}<img src="{{.Media}}" alt="meme">{{else if and .Media (eq .Type "video")}}<video src="{{.Media}}" controls muted></video>{{else}}<div class="text">{{.Text}}{{.Caption}}</div>{{end}}
<div class="{{.Outcome}}"><b>{{.Outcome}}</b> {{.Votes}} <small>(ours : theirs)</small></div><div>{{.Caption}}</div><div>{{if .Short}}<details><summary><i>{{.Short}}</i></summary><i>{{.Prompt}}</i></details>{{else}}<i>{{.Prompt}}</i>{{end}}</div>{{end}}
`))

// WriteGallery writes the gallery page; simulated is how many of the
// battles are a stand-in arena's (the page says so).
func WriteGallery(w io.Writer, sections []GallerySection, simulated int) error {
	return galleryPage.Execute(w, map[string]any{"Sections": sections, "Simulated": simulated})
}
