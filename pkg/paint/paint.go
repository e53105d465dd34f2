// Package paint has the provider paint our template library, once (make
// templates-paint): for every template with a `paint:` spec a photographic
// base (the whole picture, or one picture per panel, with the image models
// in order and retries), the template's boxes kept, written as a new
// folder <id>-photo with the provenance in its licence block; for every
// clip spec (clips.yaml) a clip with sound from a video model (AIML's
// asynchronous video API), normalised by ffmpeg, written as a clip
// template. Nothing in a request waits on it.
package paint

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	yaml "go.yaml.in/yaml/v3"
	xdraw "golang.org/x/image/draw"

	"punchline/pkg/media/picture"
	"punchline/pkg/media/render"
	"punchline/pkg/media/templates"
	"punchline/pkg/media/video"
	"punchline/pkg/meme"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/fetch"
	"punchline/pkg/provider/imagegen"
	"punchline/pkg/provider/videogen"
	"punchline/pkg/store/local"
)

//go:embed clips.yaml
var clipsYAML []byte

// ClipSpec is a clip template to paint: the video model's prompt and the
// template's own text (clips.yaml).
type ClipSpec struct {
	ID       string              `yaml:"id"`
	Prompt   string              `yaml:"prompt"`
	About    map[string]string   `yaml:"about"`
	UseWhen  string              `yaml:"use_when"`
	Fits     []string            `yaml:"fits"`
	Examples []templates.Example `yaml:"examples"`
}

// DefaultVideoModels are VIDEO_MODEL's default: fast models that paint
// sound, of two developers.
const DefaultVideoModels = "google/veo-3.1-t2v-fast,bytedance/seedance-1-5-pro"

// Options are a painting run's clients and settings.
type Options struct {
	Images *imagegen.Client
	Videos *videogen.Client
	Clips  *video.Renderer
	Models []string // IMAGE_MODELS, in order
	Video  []string // VIDEO_MODEL, in order
	Seed   int64    // asked of the video models
	Terms  string   // the provider's output terms, recorded
	Out    string   // the folder the templates go to
	IDs    []string // the templates and clips to paint; empty: every spec
	Stdout io.Writer
}

// Clients builds a run's clients for the provider at baseURL with key:
// pictures with imageModels in order, clips with videoModels, downloads
// allowed to reach allow (host:port) besides public addresses, ffmpeg at
// ffmpegPath. poll is how often a video task is read back.
func Clients(ctx context.Context, baseURL, key string, allow, imageModels, videoModels []string, ffmpegPath string, poll time.Duration) (Options, error) {
	policy, err := fetch.NewPolicy(ctx, allow)
	if err != nil {
		return Options{}, err
	}
	ff, err := video.New(ffmpegPath)
	if err != nil {
		return Options{}, fmt.Errorf("clips need ffmpeg (make deps): %w", err)
	}
	api := &http.Client{Timeout: 3 * time.Minute}
	health := aiml.NewHealth()
	videos := videogen.New(api, baseURL, key, policy.Client(), health)
	videos.Every = poll
	return Options{
		Images: imagegen.New(api, baseURL, key, imageModels, policy.Client()).Use(nil, health),
		Videos: videos, Clips: ff, Models: imageModels, Video: videoModels,
	}, nil
}

// Result is what a run painted.
type Result struct {
	Pictures, Clips, Loaded int
}

// painter is one run: its options and the date it records.
type painter struct {
	Options
	date string
}

// Run paints every spec o.IDs names (all when empty) into o.Out, then
// loads the folder as predict will. A spec that fails is reported and the
// others still paint.
func Run(ctx context.Context, o Options) (Result, error) {
	p := &painter{Options: o, date: time.Now().UTC().Format(meme.DayLayout)}
	if p.Stdout == nil {
		p.Stdout = io.Discard
	}
	if p.Terms == "" {
		p.Terms = "generated through AIML API under its terms of use and the model developer's usage policy, as accepted by the account holder; read them before publishing (this tool does not check them)"
	}
	house, problems := templates.Load(templates.House(), templates.SourceHouse)
	if len(problems) > 0 {
		return Result{}, fmt.Errorf("the house set is broken: %v", problems)
	}
	specs, err := Clips()
	if err != nil {
		return Result{}, err
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return Result{}, err
	}
	want := func(id string) bool { return len(o.IDs) == 0 || slices.Contains(o.IDs, id) }
	var errs []error
	var res Result
	for _, t := range house {
		if t.Paint != nil && want(t.ID) {
			if err := p.picture(ctx, t); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", t.ID, err))
			} else {
				res.Pictures++
			}
		}
	}
	for _, c := range specs {
		if want(c.ID) {
			if err := p.clip(ctx, c); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", c.ID, err))
			} else {
				res.Clips++
			}
		}
	}
	files, _, err := local.ReadTree(ctx, o.Out)
	if err != nil {
		return Result{}, err
	}
	loaded, problems := templates.Load(templates.Files(files), templates.SourceDir)
	for _, pr := range problems {
		errs = append(errs, fmt.Errorf("written but broken: %s: %s", pr.ID, pr.Reason))
	}
	res.Loaded = len(loaded)
	return res, errors.Join(errs...)
}

// Clips are the clip specs (clips.yaml).
func Clips() ([]ClipSpec, error) {
	var specs []ClipSpec
	if err := yaml.Unmarshal(clipsYAML, &specs); err != nil {
		return nil, fmt.Errorf("clips.yaml: %w", err)
	}
	return specs, nil
}

// picture paints t's base (whole or by panel) and writes <id>-photo.
func (p *painter) picture(ctx context.Context, t *templates.Template) error {
	drawn, err := t.Picture()
	if err != nil {
		return err
	}
	w, h := drawn.Bounds().Dx(), drawn.Bounds().Dy()
	panels := t.Paint.Panels
	if len(panels) == 0 {
		panels = []templates.PaintPanel{{Rect: [4]float64{0, 0, 1, 1}, Prompt: t.Paint.Prompt}}
	}
	base := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.Draw(base, base.Rect, image.NewUniform(color.White), image.Point{}, xdraw.Src)
	type painted struct {
		img   image.Image
		model string
		err   error
	}
	results := make([]painted, len(panels))
	var wg sync.WaitGroup
	for i, pp := range panels { // panels side by side
		wg.Go(func() {
			img, model, err := p.paint(ctx, pp.Prompt)
			results[i] = painted{img, model, err}
		})
	}
	wg.Wait()
	var models, prompts []string
	var rects []image.Rectangle
	for i, pp := range panels {
		if results[i].err != nil {
			return results[i].err
		}
		r := image.Rect(int(pp.Rect[0]*float64(w)), int(pp.Rect[1]*float64(h)), int((pp.Rect[0]+pp.Rect[2])*float64(w)), int((pp.Rect[1]+pp.Rect[3])*float64(h)))
		picture.Cover(base, r, results[i].img)
		rects = append(rects, r)
		if !slices.Contains(models, results[i].model) {
			models = append(models, results[i].model)
		}
		prompt := pp.Prompt
		if len(panels) > 1 {
			prompt = fmt.Sprintf("panel %d: %s", i+1, pp.Prompt)
		}
		prompts = append(prompts, prompt)
	}
	jpg, err := render.EncodeJPEG(base)
	if err != nil {
		return err
	}
	nt := *t
	nt.ID, nt.Kind, nt.Asset, nt.Scene, nt.Paint, nt.PaintedFrom = t.ID+"-photo", templates.KindImage, "base.jpg", nil, nil, t.ID
	nt.Boxes = legible(t.Boxes, rects, w, h)
	nt.Status = templates.StatusActive
	nt.License = p.license(strings.Join(models, ", "), strings.Join(prompts, "\n"), 0) // the image API is asked no seed
	if err := p.write(nt.ID, &nt, "base.jpg", jpg); err != nil {
		return err
	}
	fmt.Fprintf(p.Stdout, "painted %s (%s) with %s\n", nt.ID, plural(len(panels), "panel"), strings.Join(models, ", "))
	return nil
}

// paint makes one picture with the image models in order, two tries each;
// an account that is refused stops at once.
func (p *painter) paint(ctx context.Context, prompt string) (image.Image, string, error) {
	var err error
	for _, m := range p.Models {
		for try := 0; try < 2; try++ {
			cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			img, gerr := p.Images.GenerateWith(cctx, m, prompt)
			cancel()
			if gerr == nil {
				return img, m, nil
			}
			err = gerr
			if errors.Is(gerr, meme.ErrProviderAccount) || ctx.Err() != nil {
				return nil, "", gerr
			}
			if errors.Is(gerr, meme.ErrModelGone) || errors.Is(gerr, meme.ErrRefused) {
				break // the next model
			}
		}
	}
	if err == nil {
		err = errors.New("no image model configured (IMAGE_MODELS)")
	}
	return nil, "", err
}

// clip has a video model paint c and writes it as a clip template.
func (p *painter) clip(ctx context.Context, c ClipSpec) error {
	raw, model, err := p.Videos.GenerateAny(ctx, p.Video, c.Prompt, p.Seed, 10*time.Minute)
	if err != nil {
		return err
	}
	mp4, err := p.Clips.Normalise(ctx, raw)
	if err != nil {
		return err
	}
	t := templates.Template{
		ID: c.ID, Kind: templates.KindClip, Asset: "clip.mp4", About: c.About, UseWhen: c.UseWhen, Fits: c.Fits, Examples: c.Examples,
		Boxes:  []templates.Box{{X: 0, Y: 0, W: 1, H: 0.2, Role: "caption", Style: "bar", MaxChars: 90}},
		Speech: "sound", Status: templates.StatusActive, License: p.license(model, c.Prompt, p.Seed),
	}
	if err := p.write(t.ID, &t, "clip.mp4", mp4); err != nil {
		return err
	}
	fmt.Fprintf(p.Stdout, "painted %s (clip with sound, %d KB) with %s\n", t.ID, len(mp4)>>10, model)
	return nil
}

// license is a painted asset's licence block; seed is the one the model
// was asked for (0: none, its own).
func (p *painter) license(model, prompt string, seed int64) templates.License {
	return templates.License{
		Source:     "painted for punchline by " + model + " through AIML API (make templates-paint)",
		Holder:     "punchline authors",
		License:    "generated output; see provenance.terms",
		Provenance: &templates.Provenance{Model: model, Prompt: prompt, Seed: seed, Date: p.date, Terms: p.Terms},
	}
}

// write puts t's template.yaml and its asset in out/<id>/.
func (p *painter) write(id string, t *templates.Template, asset string, data []byte) error {
	dir := filepath.Join(p.Out, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	y, err := yaml.Marshal(t)
	if err != nil {
		return err
	}
	head := "# Painted by make templates-paint on " + p.date + "; review the contact sheet before syncing it to the templates prefix.\n"
	if err := os.WriteFile(filepath.Join(dir, "template.yaml"), append([]byte(head), y...), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, asset), data, 0o644)
}

// legible is boxes for a painted base: a plain caption (dark text with no
// ground, drawn for a flat background) over a painted area gets a label
// ground, so it reads over a photo.
func legible(boxes []templates.Box, painted []image.Rectangle, w, h int) []templates.Box {
	out := slices.Clone(boxes)
	for i, b := range out {
		r := image.Rect(int(b.X*float64(w)), int(b.Y*float64(h)), int((b.X+b.W)*float64(w)), int((b.Y+b.H)*float64(h)))
		for _, p := range painted {
			if b.Style == "plain" && r.Overlaps(p) {
				out[i].Style = "label"
			}
		}
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
