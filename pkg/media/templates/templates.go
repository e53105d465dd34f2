// Package templates is the meme template library: recognisable formats as
// data. A template is a folder <id>/ holding template.yaml and its asset
// (a picture or a clip; drawn templates are scenes our code paints). The
// library merges three sources by id, later winning: the house set
// embedded in the binary, a local folder (TEMPLATES_DIR) and a prefix of
// the media bucket (TEMPLATES_PREFIX). A bad template is reported with its
// id and reason and skipped; it never stops the function. The format is
// documented in docs/templates.md.
package templates

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // assets
	_ "image/png"  // assets
	"math"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"punchline/pkg/media/render"
	"punchline/pkg/media/scene"
)

// Kinds of template.
const (
	KindImage = "image" // a picture asset (jpg, png) with caption boxes
	KindClip  = "clip"  // an MP4 (H.264) asset; its caption goes in a bar above the video
	KindDrawn = "drawn" // no asset: a scene our code paints
)

// Statuses: active and probation templates are used; retired ones are not.
const (
	StatusActive    = "active"
	StatusProbation = "probation"
	StatusRetired   = "retired"
)

// Sources, as recorded in template_source.
const (
	SourceHouse  = "house"
	SourceDir    = "dir"
	SourceBucket = "bucket"
)

// Limits on what a template may bring.
const (
	MaxImageBytes  = 10 << 20
	MaxClipBytes   = 20 << 20
	MaxImagePixels = 16 << 20
	MaxBoxes       = 24
	MaxClipSeconds = 30.0
)

// Template is one meme format.
type Template struct {
	ID       string            `yaml:"id"`
	Kind     string            `yaml:"kind"`
	Asset    string            `yaml:"asset,omitempty"`
	Scene    *scene.Scene      `yaml:"scene,omitempty"`
	Boxes    []Box             `yaml:"boxes"`
	About    map[string]string `yaml:"about"`
	UseWhen  string            `yaml:"use_when"`
	Fits     []string          `yaml:"fits,omitempty"`
	Examples []Example         `yaml:"examples"`
	// Offline is how the offline picker fills the template's one slot
	// when the prompt is a request for a meme about something: a phrase
	// per language with "{about}" for the subject as the request named it
	// ("about cats", "про кота"). Only the languages listed get it.
	Offline Phrase `yaml:"offline,omitempty"`
	// Paint is how the provider paints a photographic variant of a drawn
	// format (make templates-paint); PaintedFrom, on such a variant, is
	// the drawn format it stands for (preferred over it when usable).
	Paint       *Paint    `yaml:"paint,omitempty"`
	PaintedFrom string    `yaml:"painted_from,omitempty"`
	License     License   `yaml:"license"`
	Status      string    `yaml:"status"`
	Trim        []float64 `yaml:"trim,omitempty"`
	Speech      string    `yaml:"speech,omitempty"`

	// Set by the loader.
	Source string   `yaml:"-"`
	data   []byte   // the asset's bytes
	notes  []string // what loading left out (a second YAML document)
}

// Box is a caption slot, or a fixed label when Text is set.
type Box struct {
	X        float64 `yaml:"x"`
	Y        float64 `yaml:"y"`
	W        float64 `yaml:"w"`
	H        float64 `yaml:"h"`
	Role     string  `yaml:"role"`
	Style    string  `yaml:"style"`
	Align    string  `yaml:"align,omitempty"`  // left | center | right
	VAlign   string  `yaml:"valign,omitempty"` // top | middle | bottom
	Color    string  `yaml:"color,omitempty"`
	MaxChars int     `yaml:"max_chars,omitempty"`
	Upper    *bool   `yaml:"upper,omitempty"`
	Text     Phrase  `yaml:"text,omitempty"` // fixed text: the box is drawn, never filled
}

// Phrase is text per language ("" for every language); in YAML a string
// or a map from language to string.
type Phrase map[string]string

// UnmarshalYAML reads a string or a map.
func (p *Phrase) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*p = Phrase{"": n.Value}
		return nil
	}
	var m map[string]string
	if err := n.Decode(&m); err != nil {
		return err
	}
	*p = m
	return nil
}

// In is the phrase in lang, else in English, else the language-free one.
func (p Phrase) In(lang string) string {
	for _, k := range []string{lang, "en", ""} {
		if v, ok := p[k]; ok {
			return v
		}
	}
	return ""
}

// Example is a worked example: a prompt and the captions for the slots.
type Example struct {
	Lang     string   `yaml:"lang"`
	Prompt   string   `yaml:"prompt"`
	Captions []string `yaml:"captions"`
}

// License records where an asset comes from and on what terms.
type License struct {
	Source  string `yaml:"source"`
	Holder  string `yaml:"holder"`
	License string `yaml:"license"`
	// Provenance, on a painted asset: the model, prompt, seed, date and
	// the provider's output terms it was made under.
	Provenance *Provenance `yaml:"provenance,omitempty"`
}

// Provenance is how a painted asset was made.
type Provenance struct {
	Model  string `yaml:"model"`
	Prompt string `yaml:"prompt"`
	Seed   int64  `yaml:"seed"`
	Date   string `yaml:"date"`
	Terms  string `yaml:"terms"`
}

// Paint is a format's painting spec: one picture prompt for the whole
// base, or one per panel (each painted into its rectangle of the base);
// no text in any picture. A clip spec's prompt describes 4–6 s of motion
// and sound for a video model.
type Paint struct {
	Prompt string       `yaml:"prompt,omitempty"`
	Panels []PaintPanel `yaml:"panels,omitempty"`
}

// PaintPanel is one panel's picture: its rectangle of the base (x, y, w,
// h as fractions) and its prompt.
type PaintPanel struct {
	Rect   [4]float64 `yaml:"rect"`
	Prompt string     `yaml:"prompt"`
}

// Slots are the boxes captions fill, in order (boxes with fixed text are
// not slots).
func (t *Template) Slots() []Box {
	var out []Box
	for _, b := range t.Boxes {
		if len(b.Text) == 0 {
			out = append(out, b)
		}
	}
	return out
}

// Speaks reports whether every fixed text of the template exists in lang
// (or in no language in particular): a German meme must not say "Change
// my mind".
func (t *Template) Speaks(lang string) bool {
	for _, b := range t.Boxes {
		if len(b.Text) == 0 {
			continue
		}
		if _, ok := b.Text[lang]; !ok {
			if _, ok := b.Text[""]; !ok {
				return false
			}
		}
	}
	return true
}

// MaxPanels is the most panels a joke has painted (the daily budget
// reserves that many pictures for a request).
const MaxPanels = 4

// Panels are the panels a joke can have painted into the format (its paint
// spec's), or none: a format qualifies when it has 2 to MaxPanels panels
// and one caption slot per panel.
func (t *Template) Panels() []PaintPanel {
	if t.Paint == nil || len(t.Paint.Panels) < 2 || len(t.Paint.Panels) > MaxPanels || len(t.Slots()) != len(t.Paint.Panels) || t.Kind == KindClip {
		return nil
	}
	return t.Paint.Panels
}

// Active reports whether the template may be used.
func (t *Template) Active() bool { return t.Status != StatusRetired }

// AssetData is the asset's bytes (nil for drawn templates).
func (t *Template) AssetData() []byte { return t.data }

// Picture is the template's picture without captions, at the size it is
// drawn: the decoded asset or the painted scene, kept in the process's
// bounded picture cache and shared (read-only). Clips have none.
func (t *Template) Picture() (image.Image, error) { return pictures.get(t, t.decode) }

// Spec is what render draws for captions (in slot order) in lang: fixed
// boxes get their text in that language, slots the captions.
func (t *Template) Spec(captions []string, lang string) render.Spec {
	var s render.Spec
	i := 0
	for _, b := range t.Boxes {
		text := ""
		if len(b.Text) > 0 {
			text = b.Text.In(lang)
		} else {
			if i < len(captions) {
				text = captions[i]
			}
			i++
		}
		s.Boxes = append(s.Boxes, b.render())
		s.Texts = append(s.Texts, text)
	}
	return s
}

func (b Box) render() render.Box {
	r := render.Box{X: b.X, Y: b.Y, W: b.W, H: b.H, Style: render.Style(b.Style), MaxChars: b.MaxChars}
	switch b.Align {
	case "left":
		r.Align = -1
	case "right":
		r.Align = +1
	}
	switch b.VAlign {
	case "top":
		r.VAlign = -1
	case "bottom":
		r.VAlign = +1
	case "":
		// Outlined captions at an edge of the picture hug it, as in classic memes.
		if b.Style != string(render.StyleOutline) {
			break
		}
		if b.Y <= 0.02 {
			r.VAlign = -1
		} else if b.Y+b.H >= 0.98 {
			r.VAlign = +1
		}
	}
	if b.Upper != nil {
		r.Upper = -1
		if *b.Upper {
			r.Upper = +1
		}
	}
	if b.Color != "" {
		c, _ := scene.ParseColor(b.Color) // validated
		r.Color = color.RGBA{c.R, c.G, c.B, 255}
	}
	return r
}

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

var styleNames = map[string]bool{
	string(render.StyleOutline): true, string(render.StyleBar): true,
	string(render.StyleLabel): true, string(render.StylePlain): true,
}

// Shapes of prompt a template may declare it fits (the offline picker's
// vocabulary).
var Shapes = []string{"comparison", "list", "question", "dialogue", "before-after", "statement", "reaction", "numbers", "escalation"}

// Validate checks t against the format; folder is the folder it came from.
func (t *Template) Validate(folder string) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !idPattern.MatchString(t.ID) {
		bad("id %q: want lower-case letters, digits and single dashes", t.ID)
	}
	if folder != "" && t.ID != folder {
		bad("id %q differs from its folder %q", t.ID, folder)
	}
	switch t.Kind {
	case KindImage, KindClip:
		if t.Asset == "" {
			bad("kind %s needs an asset", t.Kind)
		}
		if t.Scene != nil {
			bad("kind %s takes no scene", t.Kind)
		}
	case KindDrawn:
		if t.Asset != "" {
			bad("kind drawn takes no asset")
		}
		if t.Scene == nil {
			bad("kind drawn needs a scene")
		} else if err := t.Scene.Validate(); err != nil {
			bad("scene: %v", err)
		}
	default:
		bad("kind %q: want image, clip or drawn", t.Kind)
	}
	if t.Kind != KindClip && (t.Trim != nil || t.Speech != "") {
		bad("trim and speech are for clips")
	}
	if t.Kind == KindClip && t.Trim != nil {
		if len(t.Trim) != 2 || t.Trim[0] < 0 || t.Trim[1] <= t.Trim[0] || t.Trim[1]-t.Trim[0] > MaxClipSeconds {
			bad("trim %v: want [start, end] seconds, at most %gs long", t.Trim, MaxClipSeconds)
		}
	}
	if len(t.Boxes) == 0 || len(t.Boxes) > MaxBoxes {
		bad("boxes: want 1..%d, got %d", MaxBoxes, len(t.Boxes))
	}
	for i, b := range t.Boxes {
		if err := b.validate(); err != nil {
			bad("box %d (%s): %v", i+1, b.Role, err)
		}
		if t.Kind == KindClip && len(b.Text) == 0 && !(b.Style == string(render.StyleBar) && b.Y <= 0) {
			bad("box %d (%s): a clip's caption goes in a bar at the top (style bar, y 0)", i+1, b.Role)
		}
	}
	slots := len(t.Slots())
	if slots == 0 {
		bad("boxes: want at least one caption slot (a box without fixed text)")
	}
	if strings.TrimSpace(t.About["en"]) == "" {
		bad("about: want at least an English (en) description")
	}
	if strings.TrimSpace(t.UseWhen) == "" {
		bad("use_when: say when the format fits")
	}
	for _, f := range t.Fits {
		if !slices.Contains(Shapes, f) {
			bad("fits %q: want one of %s", f, strings.Join(Shapes, ", "))
		}
	}
	for i, ex := range t.Examples {
		if ex.Lang == "" || strings.TrimSpace(ex.Prompt) == "" {
			bad("example %d: want lang and prompt", i+1)
		}
		if len(ex.Captions) != slots {
			bad("example %d: %d captions for %d slots", i+1, len(ex.Captions), slots)
			continue
		}
		for k, s := range t.Slots() {
			if n := utf8.RuneCountInString(ex.Captions[k]); s.MaxChars > 0 && n > s.MaxChars {
				bad("example %d: caption %d (%s) has %d characters, its box takes %d", i+1, k+1, s.Role, n, s.MaxChars)
			}
		}
	}
	if p := t.Paint; p != nil {
		if (strings.TrimSpace(p.Prompt) == "") == (len(p.Panels) == 0) {
			bad("paint: want a prompt for the whole base or panels, not both or neither")
		}
		for i, pp := range p.Panels {
			if x, y, w, h := pp.Rect[0], pp.Rect[1], pp.Rect[2], pp.Rect[3]; strings.TrimSpace(pp.Prompt) == "" || w <= 0 || h <= 0 || x < 0 || y < 0 || x+w > 1.0001 || y+h > 1.0001 {
				bad("paint panel %d: want a prompt and a rect inside 0..1", i+1)
			}
		}
	}
	if t.PaintedFrom != "" && (t.License.Provenance == nil || t.License.Provenance.Model == "" || t.License.Provenance.Prompt == "") {
		bad("painted_from: a painted template records its model and prompt under license.provenance")
	}
	for lang, phrase := range t.Offline {
		if !strings.Contains(phrase, "{about}") {
			bad("offline (%s): want {about} where the request's subject goes", lang)
		}
	}
	if t.License.Source == "" || t.License.Holder == "" || t.License.License == "" {
		bad("license: want source, holder and license")
	}
	switch t.Status {
	case StatusActive, StatusProbation, StatusRetired:
	default:
		bad("status %q: want active, probation or retired", t.Status)
	}
	return errors.Join(errs...)
}

func (b Box) validate() error {
	const eps = 1e-9
	for _, v := range []float64{b.X, b.Y, b.W, b.H} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.New("coordinates must be numbers")
		}
	}
	if b.X < 0 || b.Y < 0 || b.W <= 0 || b.H <= 0 || b.X+b.W > 1+eps || b.Y+b.H > 1+eps {
		return fmt.Errorf("out of bounds: x %g y %g w %g h %g must lie inside 0..1", b.X, b.Y, b.W, b.H)
	}
	if !styleNames[b.Style] {
		return fmt.Errorf("style %q: want outline, bar, label or plain", b.Style)
	}
	if b.Align != "" && !slices.Contains([]string{"left", "center", "right"}, b.Align) {
		return fmt.Errorf("align %q: want left, center or right", b.Align)
	}
	if b.VAlign != "" && !slices.Contains([]string{"top", "middle", "bottom"}, b.VAlign) {
		return fmt.Errorf("valign %q: want top, middle or bottom", b.VAlign)
	}
	if b.Color != "" {
		if _, err := scene.ParseColor(b.Color); err != nil {
			return err
		}
	}
	if b.MaxChars < 0 || b.MaxChars > render.MaxCaptionRunes {
		return fmt.Errorf("max_chars %d: want 0..%d", b.MaxChars, render.MaxCaptionRunes)
	}
	if len(b.Text) > 0 && b.Text.In("en") == "" {
		return errors.New("text: want an English (en) or language-free value")
	}
	return nil
}

// FitsShape reports whether the template declares that it suits prompts
// of shape (one of Shapes).
func (t *Template) FitsShape(shape string) bool { return slices.Contains(t.Fits, shape) }

// Parse reads one template.yaml, refusing unknown fields.
func Parse(data []byte) (*Template, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	t := &Template{}
	if err := dec.Decode(t); err != nil {
		return nil, fmt.Errorf("template.yaml: %w", err)
	}
	if t.Status == "" {
		t.Status = StatusActive
	}
	var more yaml.Node
	if err := dec.Decode(&more); err == nil {
		t.notes = append(t.notes, "template.yaml: a second YAML document (after ---) is ignored")
	}
	return t, nil
}

// sortByID sorts templates by id.
func sortByID(ts []*Template) {
	sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
}

// assetExt is the extensions an asset of kind may have.
func assetExt(kind, name string) bool {
	ext := strings.ToLower(path.Ext(name))
	switch kind {
	case KindImage:
		return ext == ".jpg" || ext == ".jpeg" || ext == ".png"
	case KindClip:
		return ext == ".mp4"
	}
	return false
}
