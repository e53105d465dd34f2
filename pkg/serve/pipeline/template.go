package pipeline

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	"time"

	"punchline/pkg/media/picture"
	"punchline/pkg/media/render"
	"punchline/pkg/media/templates"
	"punchline/pkg/media/video"
	"punchline/pkg/meme"
)

// usable are the templates a plan may use here: clips only where they can
// be rendered.
func (p *Pipeline) usable() []*templates.Template {
	if p.o.Templates == nil {
		return nil
	}
	var out []*templates.Template
	for _, t := range p.o.Templates.Usable() {
		if t.Kind != templates.KindClip || p.o.Video != nil {
			out = append(out, t)
		}
	}
	return out
}

// templateMeme answers with plan's template meme: a still (or a clip made
// from it, for a video answer) for drawn and picture templates, the clip
// with its caption bar for clip templates. ok is false when the template
// is unknown or its clip failed, for the caller to fall back.
func (p *Pipeline) templateMeme(ctx context.Context, r *run, plan meme.Plan, src source, format string, voice *voiceJob) (meme.Answer, bool) {
	log := p.o.Logger
	var t *templates.Template
	if p.o.Templates != nil {
		t = p.o.Templates.Get(plan.Template)
	}
	if t == nil {
		log.WarnContext(ctx, "plan names an unknown template", "template", plan.Template)
		return meme.Answer{}, false
	}
	r.rec.Template, r.rec.TemplateSource, r.rec.Painted = t.ID, t.Source, t.License.Provenance != nil
	r.rec.Strategy = strategy(src, "template")
	r.rec.ImageModel = ""
	if r.rung == "" {
		r.rung = rungFull
		if src == sourceOffline && !p.o.Offline {
			r.rung = rungTemplate // the planner failed; the offline template meme stands in
		}
	}
	spec := t.Spec(plan.Captions, plan.Lang)
	if t.Kind == templates.KindClip {
		return p.clipTemplate(ctx, r, t, spec, src)
	}
	pic, err := t.Picture()
	if err != nil {
		log.ErrorContext(ctx, "template picture failed", "template", t.ID, "error", err)
		return meme.Answer{}, false
	}
	if painted, ok := p.panels(ctx, r, t, plan, pic); ok {
		pic = painted
		r.rec.Painted, r.rec.Strategy = true, strategy(src, "panels")
	}
	return p.finishStill(ctx, r, plan.Text, format, voice, src,
		func() (*image.RGBA, error) {
			out, _, err := render.Draw(pic, spec)
			return out, err
		},
		func() (*image.RGBA, []render.Layer, error) {
			base, layers, _, err := render.SpecLayers(pic, spec, video.MaxSide, video.MaxPixels)
			return base, layers, err
		}), true
}

// clipTemplate renders a clip template: the clip trimmed, with its caption
// in a band above the video, within the video budget (renderVideo).
func (p *Pipeline) clipTemplate(ctx context.Context, r *run, t *templates.Template, spec render.Spec, src source) (meme.Answer, bool) {
	if p.o.Video == nil {
		return meme.Answer{}, false
	}
	cs := video.ClipSpec{Clip: t.AssetData(), Audio: t.Speech != "" && t.Speech != "none", Band: func(w int) (*image.RGBA, error) {
		return band(spec, w)
	}}
	if len(t.Trim) == 2 {
		cs.Start, cs.End = t.Trim[0], t.Trim[1]
	}
	return p.renderVideo(ctx, r, src, func(vctx context.Context) ([]byte, string, error) {
		data, err := p.o.Video.RenderClip(vctx, cs)
		if err != nil {
			err = fmt.Errorf("clip template %s: %w", t.ID, err)
		}
		return data, "template-clip", err
	})
}

// band is a clip template's caption band at width w: the spec drawn over a
// short blank frame (the band's height depends on the width alone), cut
// off above the frame, with even sides for H.264.
func band(spec render.Spec, w int) (*image.RGBA, error) {
	frame := image.NewRGBA(image.Rect(0, 0, w, max(2, w/4)))
	out, _, err := render.Draw(frame, spec)
	if err != nil {
		return nil, err
	}
	defer render.Release(out)
	h := (out.Rect.Dy() - frame.Rect.Dy()) &^ 1
	bw := out.Rect.Dx() &^ 1
	b := image.NewRGBA(image.Rect(0, 0, bw, max(2, h)))
	draw.Draw(b, b.Rect, out, image.Point{}, draw.Src)
	return b, nil
}

// panels paints plan's panel pictures into t's drawn picture (drawn), in
// parallel, each hedged over the image models like any picture, by the
// image deadline; a panel that is late or fails keeps its drawn panel
// (fallback "panels"). ok is false when no panel was painted (or the plan
// has none to paint).
func (p *Pipeline) panels(ctx context.Context, r *run, t *templates.Template, plan meme.Plan, drawn image.Image) (image.Image, bool) {
	panels := t.Panels()
	if p.offline(r) || p.o.Imager == nil || len(panels) == 0 || len(plan.PanelPrompts) != len(panels) {
		return nil, false
	}
	start := time.Now()
	jobs := make([]*job, len(panels))
	for i, prompt := range plan.PanelPrompts {
		jobs[i] = p.startImage(ctx, r, prompt+imagePromptEnd)
	}
	defer r.finish(jobs...)
	b := drawn.Bounds()
	base := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(base, base.Rect, drawn, b.Min, draw.Src)
	painted := 0
	for i, j := range jobs {
		<-j.done // every job ends by the image deadline
		if j.err != nil || j.img == nil {
			continue
		}
		pr := panels[i].Rect
		w, h := float64(b.Dx()), float64(b.Dy())
		picture.Cover(base, image.Rect(int(pr[0]*w), int(pr[1]*h), int((pr[0]+pr[2])*w), int((pr[1]+pr[3])*h)), j.img)
		if painted == 0 {
			r.rec.ImageModel = j.model
		}
		painted++
	}
	r.stage(StageImage, start)
	if painted < len(panels) {
		p.o.Logger.WarnContext(ctx, "panels late or failed; their drawn panels stand in", "painted", painted, "panels", len(panels))
		r.fallback("panels")
	}
	return base, painted > 0
}
