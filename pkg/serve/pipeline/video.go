package pipeline

import (
	"context"
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
}

// startVoice starts text-to-speech of the captions, due before the clip
// must start.
func (p *Pipeline) startVoice(ctx context.Context, r *run, plan meme.Plan) *voiceJob {
	by := r.answerBy.Add(-storeReserve - time.Duration(float64(p.videoEst.Load())*videoMargin))
	vctx, cancel := context.WithDeadline(ctx, by)
	j := &voiceJob{done: make(chan struct{}), cancel: cancel}
	text := strings.Join(plan.Lines(), ". ")
	go func() {
		defer close(j.done)
		j.audio, j.err = p.o.Voice.Speak(vctx, text)
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
// dropped rather than waited for.
func (j *voiceJob) ready() []byte {
	if j == nil || !isDone(j.done) || j.err != nil {
		return nil
	}
	return j.audio
}

// clip renders the meme as an MP4 and stores it, if the time left covers
// the measured render time with margin. ok is false when the still should
// be the answer instead (no time, or the clip failed or came late).
func (p *Pipeline) clip(ctx context.Context, r *run, layers func() (*image.RGBA, []render.Layer, error), src source, voice *voiceJob) (meme.Answer, bool) {
	log := p.o.Logger
	est := time.Duration(p.videoEst.Load())
	left := time.Until(r.answerBy) - storeReserve
	if left < time.Duration(float64(est)*videoMargin) {
		log.WarnContext(ctx, "no time for video; answering with the still", "left_ms", left.Milliseconds(), "estimate_ms", est.Milliseconds())
		r.fallback("video-budget")
		return meme.Answer{}, false
	}
	start := time.Now()
	base, ls, err := layers()
	if err != nil {
		log.ErrorContext(ctx, "video layers failed", "error", err)
		r.fallback("video")
		return meme.Answer{}, false
	}
	audio := voice.ready()
	vctx, cancel := context.WithDeadline(ctx, r.answerBy.Add(-storeReserve))
	defer cancel()
	data, err := p.o.Video.Render(vctx, video.Spec{Base: base, Layers: ls, Voice: audio})
	took := time.Since(start)
	r.stage(StageVideo, start)
	if err != nil {
		log.ErrorContext(ctx, "video failed; answering with the still", "error", err, "took_ms", took.Milliseconds())
		r.fallback("video")
		if vctx.Err() != nil { // too slow: let the estimate learn it
			p.learn(took)
		}
		return meme.Answer{}, false
	}
	p.learn(took)
	key := mediaKey(r, "mp4")
	start = time.Now()
	url, err := p.store(ctx, key, "video/mp4", data)
	r.stage(StageStore, start)
	if err != nil {
		log.ErrorContext(ctx, "store failed for the clip; answering with the still", "key", key, "error", err)
		r.fallback("video-media")
		return meme.Answer{}, false
	}
	r.rec.Type, r.rec.MediaKey, r.rec.Bytes = meme.TypeVideo, key, int64(len(data))
	form := meme.TypeVideo
	if audio != nil {
		form += "-voice"
	}
	r.rec.Strategy = strategy(src, form)
	return meme.Answer{Type: meme.TypeVideo, URL: url}, true
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
