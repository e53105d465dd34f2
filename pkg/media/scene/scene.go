// Package scene paints pictures described as data: a canvas, a background
// and shapes (rectangles, ellipses, lines, polygons, pie charts) and emoji,
// placed in fractions of the canvas. Drawn meme templates are scenes, so
// formats such as charts, chat screenshots or tier lists are ours to ship
// and the team can add one without code. Emoji come from an embedded set
// of Noto Emoji images (licence in emoji/LICENSE).
package scene

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strconv"
	"strings"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/vector"
)

// MaxSide bounds a scene's canvas.
const MaxSide = 2048

// Scene is a picture as data.
type Scene struct {
	Size       []int   `yaml:"size"`       // width, height in pixels
	Background string  `yaml:"background"` // #rgb or #rrggbb
	Shapes     []Shape `yaml:"shapes"`
}

// Shape is one element, painted in order. Exactly one of Rect, Ellipse,
// Line, Poly, Pie or Emoji is set. Coordinates are fractions of the
// canvas: x of its width, y of its height; widths and radii of lines and
// corners, and emoji sizes, are fractions of the width.
type Shape struct {
	Rect    []float64 `yaml:"rect,omitempty"`    // x, y, w, h
	Ellipse []float64 `yaml:"ellipse,omitempty"` // cx, cy, rx, ry (rx of width, ry of height)
	Line    []float64 `yaml:"line,omitempty"`    // x1, y1, x2, y2
	Poly    []float64 `yaml:"poly,omitempty"`    // x1, y1, x2, y2, x3, y3, …
	Pie     []float64 `yaml:"pie,omitempty"`     // cx, cy, r (r of the short side)
	Slices  []float64 `yaml:"slices,omitempty"`  // pie: shares, clockwise from twelve o'clock
	Colors  []string  `yaml:"colors,omitempty"`  // pie: one per slice
	Emoji   string    `yaml:"emoji,omitempty"`   // one emoji, placed by At
	At      []float64 `yaml:"at,omitempty"`      // emoji: centre x, centre y, size
	Flip    bool      `yaml:"flip,omitempty"`    // emoji: mirrored
	Fill    string    `yaml:"fill,omitempty"`    // colour inside
	Fill2   string    `yaml:"fill2,omitempty"`   // rect: gradient to this colour at the bottom
	Stroke  string    `yaml:"stroke,omitempty"`  // outline colour
	Width   float64   `yaml:"width,omitempty"`   // outline or line width
	Radius  float64   `yaml:"radius,omitempty"`  // rect: corner radius
	Opacity float64   `yaml:"opacity,omitempty"` // 0..1; 0 means opaque
}

// Validate reports the first problem with s.
func (s *Scene) Validate() error {
	if len(s.Size) != 2 || s.Size[0] < 64 || s.Size[1] < 64 || s.Size[0] > MaxSide || s.Size[1] > MaxSide {
		return fmt.Errorf("size %v: want [width, height], each 64..%d", s.Size, MaxSide)
	}
	if _, err := ParseColor(s.Background); err != nil {
		return fmt.Errorf("background: %w", err)
	}
	for i, sh := range s.Shapes {
		if err := sh.validate(); err != nil {
			return fmt.Errorf("shape %d: %w", i+1, err)
		}
	}
	return nil
}

func (sh Shape) validate() error {
	kinds := 0
	for _, set := range []bool{sh.Rect != nil, sh.Ellipse != nil, sh.Line != nil, sh.Poly != nil, sh.Pie != nil, sh.Emoji != ""} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return errors.New("want exactly one of rect, ellipse, line, poly, pie, emoji")
	}
	arity := func(name string, v []float64, n int) error {
		if len(v) != n {
			return fmt.Errorf("%s: want %d numbers, got %d", name, n, len(v))
		}
		return nil
	}
	var err error
	switch {
	case sh.Rect != nil:
		err = arity("rect", sh.Rect, 4)
	case sh.Ellipse != nil:
		err = arity("ellipse", sh.Ellipse, 4)
	case sh.Line != nil:
		err = arity("line", sh.Line, 4)
		if err == nil && sh.Width <= 0 {
			err = errors.New("line: want a width")
		}
	case sh.Poly != nil:
		if len(sh.Poly) < 6 || len(sh.Poly)%2 != 0 {
			err = errors.New("poly: want at least three x, y pairs")
		}
	case sh.Pie != nil:
		err = arity("pie", sh.Pie, 3)
		if err == nil && (len(sh.Slices) == 0 || len(sh.Slices) != len(sh.Colors)) {
			err = errors.New("pie: want slices and one colour per slice")
		}
		for _, c := range sh.Colors {
			if _, cerr := ParseColor(c); cerr != nil && err == nil {
				err = fmt.Errorf("pie colour: %w", cerr)
			}
		}
		for _, v := range sh.Slices {
			if v <= 0 && err == nil {
				err = errors.New("pie: slices must be positive")
			}
		}
	case sh.Emoji != "":
		err = arity("at", sh.At, 3)
		if err == nil && !Has(sh.Emoji) {
			err = fmt.Errorf("emoji %q is not in the embedded set (see pkg/media/scene/emoji)", sh.Emoji)
		}
	}
	if err != nil {
		return err
	}
	for name, c := range map[string]string{"fill": sh.Fill, "fill2": sh.Fill2, "stroke": sh.Stroke} {
		if c == "" {
			continue
		}
		if _, err := ParseColor(c); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if sh.Opacity < 0 || sh.Opacity > 1 {
		return fmt.Errorf("opacity %v: want 0..1", sh.Opacity)
	}
	return nil
}

// ParseColor reads #rgb, #rrggbb or #rrggbbaa.
func ParseColor(s string) (color.RGBA, error) {
	h := strings.TrimPrefix(strings.TrimSpace(s), "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) == 6 {
		h += "ff"
	}
	if len(h) != 8 || !strings.HasPrefix(strings.TrimSpace(s), "#") {
		return color.RGBA{}, fmt.Errorf("colour %q: want #rgb or #rrggbb", s)
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return color.RGBA{}, fmt.Errorf("colour %q: want #rgb or #rrggbb", s)
	}
	return color.RGBA{uint8(v >> 24), uint8(v >> 16), uint8(v >> 8), uint8(v)}, nil
}

func mustColor(s string) color.RGBA {
	c, _ := ParseColor(s) // validated
	return c
}

// Paint draws s on a new canvas of its size. s must be valid.
func (s *Scene) Paint() *image.RGBA {
	W, H := s.Size[0], s.Size[1]
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(img, img.Rect, image.NewUniform(mustColor(s.Background)), image.Point{}, draw.Src)
	p := painter{img: img, w: float64(W), h: float64(H)}
	for _, sh := range s.Shapes {
		p.shape(sh)
	}
	return img
}

type painter struct {
	img  *image.RGBA
	w, h float64
}

func (p painter) pt(x, y float64) (float32, float32) { return float32(x * p.w), float32(y * p.h) }

// fill paints the path built by path in c, with opacity.
func (p painter) fill(c color.RGBA, opacity float64, path func(r *vector.Rasterizer)) {
	r := vector.NewRasterizer(p.img.Rect.Dx(), p.img.Rect.Dy())
	path(r)
	if opacity > 0 && opacity < 1 {
		c = color.RGBA{uint8(float64(c.R) * opacity), uint8(float64(c.G) * opacity), uint8(float64(c.B) * opacity), uint8(float64(c.A) * opacity)}
	}
	r.Draw(p.img, p.img.Rect, image.NewUniform(c), image.Point{})
}

func (p painter) shape(sh Shape) {
	switch {
	case sh.Rect != nil:
		x, y, w, h := sh.Rect[0], sh.Rect[1], sh.Rect[2], sh.Rect[3]
		if sh.Fill2 != "" && sh.Fill != "" {
			p.gradient(x, y, w, h, mustColor(sh.Fill), mustColor(sh.Fill2))
		} else if sh.Fill != "" {
			p.fill(mustColor(sh.Fill), sh.Opacity, func(r *vector.Rasterizer) { p.rect(r, x, y, w, h, sh.Radius) })
		}
		if sh.Stroke != "" && sh.Width > 0 {
			d := sh.Width
			p.fill(mustColor(sh.Stroke), sh.Opacity, func(r *vector.Rasterizer) {
				p.rect(r, x, y, w, h, sh.Radius)
				p.rectReverse(r, x+d, y+d*p.w/p.h, w-2*d, h-2*d*p.w/p.h, math.Max(0, sh.Radius-d))
			})
		}
	case sh.Ellipse != nil:
		cx, cy, rx, ry := sh.Ellipse[0], sh.Ellipse[1], sh.Ellipse[2], sh.Ellipse[3]
		if sh.Fill != "" {
			p.fill(mustColor(sh.Fill), sh.Opacity, func(r *vector.Rasterizer) { p.ellipse(r, cx, cy, rx, ry, false) })
		}
		if sh.Stroke != "" && sh.Width > 0 {
			d := sh.Width
			p.fill(mustColor(sh.Stroke), sh.Opacity, func(r *vector.Rasterizer) {
				p.ellipse(r, cx, cy, rx, ry, false)
				p.ellipse(r, cx, cy, rx-d, ry-d*p.w/p.h, true)
			})
		}
	case sh.Line != nil:
		c := sh.Stroke
		if c == "" {
			c = sh.Fill
		}
		if c == "" {
			c = "#000"
		}
		p.fill(mustColor(c), sh.Opacity, func(r *vector.Rasterizer) { p.line(r, sh.Line, sh.Width) })
	case sh.Poly != nil:
		if sh.Fill != "" {
			p.fill(mustColor(sh.Fill), sh.Opacity, func(r *vector.Rasterizer) {
				r.MoveTo(p.pt(sh.Poly[0], sh.Poly[1]))
				for i := 2; i < len(sh.Poly); i += 2 {
					r.LineTo(p.pt(sh.Poly[i], sh.Poly[i+1]))
				}
				r.ClosePath()
			})
		}
		if sh.Stroke != "" && sh.Width > 0 {
			pts := append(append([]float64{}, sh.Poly...), sh.Poly[0], sh.Poly[1])
			for i := 0; i+3 < len(pts); i += 2 {
				seg := pts[i : i+4]
				p.fill(mustColor(sh.Stroke), sh.Opacity, func(r *vector.Rasterizer) { p.line(r, seg, sh.Width) })
			}
		}
	case sh.Pie != nil:
		p.pie(sh)
	case sh.Emoji != "":
		p.emoji(sh)
	}
}

// rect adds a rectangle with corners of radius rad (fraction of width).
func (p painter) rect(r *vector.Rasterizer, x, y, w, h, rad float64) {
	rx := math.Min(rad, w/2)
	ry := math.Min(rad*p.w/p.h, h/2)
	if rx <= 0 || ry <= 0 {
		r.MoveTo(p.pt(x, y))
		r.LineTo(p.pt(x+w, y))
		r.LineTo(p.pt(x+w, y+h))
		r.LineTo(p.pt(x, y+h))
		r.ClosePath()
		return
	}
	r.MoveTo(p.pt(x+rx, y))
	r.LineTo(p.pt(x+w-rx, y))
	r.QuadTo(p.pt2(x+w, y, x+w, y+ry))
	r.LineTo(p.pt(x+w, y+h-ry))
	r.QuadTo(p.pt2(x+w, y+h, x+w-rx, y+h))
	r.LineTo(p.pt(x+rx, y+h))
	r.QuadTo(p.pt2(x, y+h, x, y+h-ry))
	r.LineTo(p.pt(x, y+ry))
	r.QuadTo(p.pt2(x, y, x+rx, y))
	r.ClosePath()
}

// rectReverse adds a rectangle wound the other way: a hole, for outlines.
func (p painter) rectReverse(r *vector.Rasterizer, x, y, w, h, rad float64) {
	if w <= 0 || h <= 0 {
		return
	}
	rx := math.Min(rad, w/2)
	ry := math.Min(rad*p.w/p.h, h/2)
	if rx <= 0 || ry <= 0 {
		r.MoveTo(p.pt(x, y))
		r.LineTo(p.pt(x, y+h))
		r.LineTo(p.pt(x+w, y+h))
		r.LineTo(p.pt(x+w, y))
		r.ClosePath()
		return
	}
	r.MoveTo(p.pt(x+rx, y))
	r.QuadTo(p.pt2(x, y, x, y+ry))
	r.LineTo(p.pt(x, y+h-ry))
	r.QuadTo(p.pt2(x, y+h, x+rx, y+h))
	r.LineTo(p.pt(x+w-rx, y+h))
	r.QuadTo(p.pt2(x+w, y+h, x+w, y+h-ry))
	r.LineTo(p.pt(x+w, y+ry))
	r.QuadTo(p.pt2(x+w, y, x+w-rx, y))
	r.ClosePath()
}

func (p painter) pt2(x1, y1, x2, y2 float64) (float32, float32, float32, float32) {
	a, b := p.pt(x1, y1)
	c, d := p.pt(x2, y2)
	return a, b, c, d
}

// ellipse adds an ellipse as a polygon fine enough to look round;
// reverse winds it the other way (a hole).
func (p painter) ellipse(r *vector.Rasterizer, cx, cy, rx, ry float64, reverse bool) {
	if rx <= 0 || ry <= 0 {
		return
	}
	n := max(24, int(math.Max(rx*p.w, ry*p.h)))
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		if reverse {
			a = -a
		}
		x, y := p.pt(cx+rx*math.Cos(a), cy+ry*math.Sin(a))
		if i == 0 {
			r.MoveTo(x, y)
		} else {
			r.LineTo(x, y)
		}
	}
	r.ClosePath()
}

// line adds a segment of width w (fraction of width) with square ends.
func (p painter) line(r *vector.Rasterizer, seg []float64, w float64) {
	x1, y1 := seg[0]*p.w, seg[1]*p.h
	x2, y2 := seg[2]*p.w, seg[3]*p.h
	dx, dy := x2-x1, y2-y1
	l := math.Hypot(dx, dy)
	if l == 0 {
		return
	}
	hw := w * p.w / 2
	nx, ny := -dy/l*hw, dx/l*hw
	ex, ey := dx/l*hw, dy/l*hw // extend by half the width: joins close
	r.MoveTo(float32(x1+nx-ex), float32(y1+ny-ey))
	r.LineTo(float32(x2+nx+ex), float32(y2+ny+ey))
	r.LineTo(float32(x2-nx+ex), float32(y2-ny+ey))
	r.LineTo(float32(x1-nx-ex), float32(y1-ny-ey))
	r.ClosePath()
}

func (p painter) gradient(x, y, w, h float64, from, to color.RGBA) {
	rect := image.Rect(int(x*p.w), int(y*p.h), int((x+w)*p.w), int((y+h)*p.h)).Intersect(p.img.Rect)
	for py := rect.Min.Y; py < rect.Max.Y; py++ {
		t := float64(py-rect.Min.Y) / math.Max(1, float64(rect.Dy()-1))
		c := color.RGBA{
			uint8(float64(from.R) + t*(float64(to.R)-float64(from.R))),
			uint8(float64(from.G) + t*(float64(to.G)-float64(from.G))),
			uint8(float64(from.B) + t*(float64(to.B)-float64(from.B))),
			255,
		}
		draw.Draw(p.img, image.Rect(rect.Min.X, py, rect.Max.X, py+1), image.NewUniform(c), image.Point{}, draw.Over)
	}
}

func (p painter) pie(sh Shape) {
	cx, cy := sh.Pie[0]*p.w, sh.Pie[1]*p.h
	rad := sh.Pie[2] * math.Min(p.w, p.h)
	total := 0.0
	for _, v := range sh.Slices {
		total += v
	}
	a0 := -math.Pi / 2
	for i, v := range sh.Slices {
		a1 := a0 + 2*math.Pi*v/total
		p.fill(mustColor(sh.Colors[i]), sh.Opacity, func(r *vector.Rasterizer) {
			r.MoveTo(float32(cx), float32(cy))
			n := max(2, int(rad*(a1-a0)/4))
			for k := 0; k <= n; k++ {
				a := a0 + (a1-a0)*float64(k)/float64(n)
				r.LineTo(float32(cx+rad*math.Cos(a)), float32(cy+rad*math.Sin(a)))
			}
			r.ClosePath()
		})
		if sh.Stroke != "" && sh.Width > 0 { // separators between slices
			x2, y2 := (cx+rad*math.Cos(a0))/p.w, (cy+rad*math.Sin(a0))/p.h
			p.fill(mustColor(sh.Stroke), 0, func(r *vector.Rasterizer) { p.line(r, []float64{cx / p.w, cy / p.h, x2, y2}, sh.Width) })
		}
		a0 = a1
	}
}

func (p painter) emoji(sh Shape) {
	src := emojiImage(sh.Emoji)
	if src == nil {
		return
	}
	size := sh.At[2] * p.w
	x0, y0 := sh.At[0]*p.w-size/2, sh.At[1]*p.h-size/2
	dst := image.Rect(int(math.Round(x0)), int(math.Round(y0)), int(math.Round(x0+size)), int(math.Round(y0+size)))
	var img image.Image = src
	if sh.Flip {
		img = flipped(src)
	}
	opts := &xdraw.Options{}
	if sh.Opacity > 0 && sh.Opacity < 1 {
		opts.DstMask = image.NewUniform(color.Alpha{uint8(255 * sh.Opacity)})
		opts.DstMaskP = image.Point{}
	}
	xdraw.CatmullRom.Scale(p.img, dst, img, img.Bounds(), xdraw.Over, opts)
}

func flipped(src image.Image) *image.RGBA {
	b := src.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.Set(b.Dx()-1-x, y, src.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}
