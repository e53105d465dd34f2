package pipeline

import (
	"context"
	"fmt"
	"image"
	"strings"
	"time"

	"punchline/pkg/media/render"
	"punchline/pkg/media/video"
	"punchline/pkg/meme"
)

// voiceJob is the caption being read aloud while the picture is made.
type voiceJob struct {
	done   chan struct{}
	cancel context.CancelFunc
	audio  []byte
	err    error
	start  time.Time
	ms     int64 // how long the speech took, once done
}

// startVoice starts text-to-speech of the captions, due before the clip
// must start.
func (p *Pipeline) startVoice(ctx context.Context, r *run, plan meme.Plan) *voiceJob {
	by := r.answerBy.Add(-storeReserve - time.Duration(float64(p.videoEst.Load())*videoMargin))
	vctx, cancel := context.WithDeadline(ctx, by)
	j := &voiceJob{done: make(chan struct{}), cancel: cancel, start: time.Now()}
	text := strings.Join(plan.Lines(), ". ")
	go func() {
		defer close(j.done)
		j.audio, j.err = p.o.Voice.Speak(vctx, text, plan.Lang)
		j.ms = time.Since(j.start).Milliseconds()
	}()
	return j
}

func (j *voiceJob) stop() {
	if j != nil {
		j.cancel()
		<-j.done
	}
}

// ready returns the voice if it has arrived; a voice still on its way is
// dropped rather than waited for. Either way the voice stage is timed.
func (j *voiceJob) ready(r *run) []byte {
	if j == nil {
		return nil
	}
	if !isDone(j.done) { // dropped: timed as long as it was waited for
		r.stage(StageVoice, j.start)
		return nil
	}
	r.stageMS[StageVoice] = j.ms // read after done: the voice goroutine has finished with it
	if r.trace != nil {
		r.trace(string(StageVoice), j.start, j.start.Add(time.Duration(j.ms)*time.Millisecond))
	}
	if j.err != nil {
		return nil
	}
	return j.audio
}

// clip renders the meme as an MP4 from its caption layers (with the voice,
// if it is ready) and stores it; see renderVideo.
func (p *Pipeline) clip(ctx context.Context, r *run, layers func() (*image.RGBA, []render.Layer, error), src source, voice *voiceJob) (meme.Answer, bool) {
	return p.renderVideo(ctx, r, src, func(vctx context.Context) ([]byte, string, error) {
		base, ls, err := layers()
		if err != nil {
			return nil, "", fmt.Errorf("caption layers: %w", err)
		}
		audio := voice.ready(r)
		data, err := p.o.Video.Render(vctx, video.Spec{Base: base, Layers: ls, Voice: audio})
		form := meme.TypeVideo
		if audio != nil {
			form += "-voice"
		}
		return data, form, err
	})
}

// renderVideo makes a clip with render (which returns the clip and the
// strategy's form) and stores it, if the time left covers the measured
// render time with margin. ok is false when the caller's fallback should
// answer instead: no time, or the clip failed, came late or could not be
// stored.
func (p *Pipeline) renderVideo(ctx context.Context, r *run, src source, render func(context.Context) ([]byte, string, error)) (meme.Answer, bool) {
	log := p.o.Logger
	est := time.Duration(p.videoEst.Load())
	left := time.Until(r.answerBy) - storeReserve
	if left < time.Duration(float64(est)*videoMargin) && !p.probe(left) {
		log.WarnContext(ctx, "no time for video", "left_ms", left.Milliseconds(), "estimate_ms", est.Milliseconds())
		r.fallback("video-budget")
		p.forget()
		return meme.Answer{}, false
	}
	p.lastClip.Store(p.o.Now().UnixNano())
	start := time.Now()
	vctx, cancel := context.WithDeadline(ctx, r.answerBy.Add(-storeReserve))
	defer cancel()
	data, form, err := render(vctx)
	took := time.Since(start)
	r.stage(StageVideo, start)
	if err != nil {
		log.ErrorContext(ctx, "video failed", "error", err, "took_ms", took.Milliseconds())
		r.fallback("video")
		if vctx.Err() != nil { // too slow: let the estimate learn it
			p.learn(took)
		}
		return meme.Answer{}, false
	}
	p.learn(took)
	key := mediaKey(r, "mp4")
	url, err := p.store(ctx, r, key, "video/mp4", data)
	if err != nil {
		log.ErrorContext(ctx, "store failed for the clip", "key", key, "error", err)
		r.fallback("video-media")
		return meme.Answer{}, false
	}
	r.rec.Type, r.rec.MediaKey, r.rec.Bytes = meme.TypeVideo, key, int64(len(data))
	r.rec.Strategy = strategy(src, form)
	return meme.Answer{Type: meme.TypeVideo, URL: url}, true
}

// Recovery after a slow burst: the estimate only learns from clips it
// lets run, so skipped clips pull it back towards the first estimate, and
// once no clip has run for videoProbe one is tried anyway when the time
// left covers the first estimate.
const (
	videoProbe  = 30 * time.Second
	videoForget = 0.1 // share of the way back to firstVideoEst per skipped clip
)

// probe reports whether a clip should be tried although the estimate says
// no: none has run for videoProbe and left covers a typical clip.
func (p *Pipeline) probe(left time.Duration) bool {
	idle := p.o.Now().Sub(time.Unix(0, p.lastClip.Load()))
	return idle >= videoProbe && left >= time.Duration(float64(firstVideoEst)*videoMargin)
}

// forget moves the estimate a step back towards firstVideoEst.
func (p *Pipeline) forget() {
	for {
		old := p.videoEst.Load()
		if old <= int64(firstVideoEst) {
			return
		}
		next := old - int64(videoForget*float64(old-int64(firstVideoEst)))
		if p.videoEst.CompareAndSwap(old, next) {
			return
		}
	}
}

// learn folds a measured render time into the estimate (EWMA, weight 0.3).
func (p *Pipeline) learn(took time.Duration) {
	for {
		old := p.videoEst.Load()
		next := int64(0.7*float64(old) + 0.3*float64(took))
		if p.videoEst.CompareAndSwap(old, next) {
			return
		}
	}
}
