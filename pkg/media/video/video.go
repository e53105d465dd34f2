// Package video turns a meme into a short MP4 with ffmpeg: the picture
// with a slow push-in, the captions fading in one after another (the
// punchline last), an optional voice, H.264 yuv420p with faststart so every
// browser plays it, and no metadata.
package video

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"punchline/pkg/media/render"
)

// Limits of a clip.
const (
	MaxSide     = 1280
	MaxPixels   = 1280 * 720 // keeps a clip's render time bounded whatever the aspect
	FPS         = 25
	MinDuration = 4.0
	MaxDuration = 6.0
	DefDuration = 5.0
	// The video bitrate cap keeps a 6 s clip near 4 MB, far under the
	// arena's 25 MB.
	maxRate = "5M"
	bufSize = "10M"
	pushIn  = 0.06 // the picture grows by this share over the clip
	fadeIn  = 0.35 // seconds a caption takes to appear
)

// Renderer runs ffmpeg.
type Renderer struct {
	ffmpeg  string
	ffprobe string // may be ""; then voice length is guessed
}

// New finds ffmpeg at path (a name looked up on PATH, or a file). The error
// means video is unavailable.
func New(path string) (*Renderer, error) {
	if path == "" {
		return nil, errors.New("video: no ffmpeg configured")
	}
	ff, err := exec.LookPath(path)
	if err != nil {
		return nil, fmt.Errorf("video: ffmpeg: %w", err)
	}
	r := &Renderer{ffmpeg: ff}
	if probe, err := exec.LookPath(filepath.Join(filepath.Dir(ff), "ffprobe")); err == nil {
		r.ffprobe = probe
	} else if probe, err := exec.LookPath("ffprobe"); err == nil {
		r.ffprobe = probe
	}
	return r, nil
}

// Spec is one clip.
type Spec struct {
	Base   *image.RGBA    // the picture, even-sized (render.Layers)
	Layers []render.Layer // captions, in the order they appear
	Voice  []byte         // optional audio in any format ffmpeg reads
}

// Appear returns when each of n captions starts to appear in a clip of dur
// seconds: the first almost at once, the last (the punchline) at 40% of the
// clip, the rest evenly between.
func Appear(n int, dur float64) []float64 {
	out := make([]float64, n)
	first, last := 0.3, 0.4*dur
	for i := range out {
		if n == 1 {
			out[i] = first
			break
		}
		out[i] = first + (last-first)*float64(i)/float64(n-1)
	}
	return out
}

// Render makes the clip; ctx bounds ffmpeg (it is killed when ctx ends).
func (r *Renderer) Render(ctx context.Context, s Spec) ([]byte, error) {
	if s.Base == nil || s.Base.Rect.Dx()%2 != 0 || s.Base.Rect.Dy()%2 != 0 {
		return nil, errors.New("video: base picture must have even sides")
	}
	dir, err := os.MkdirTemp("", "punchline-video-")
	if err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	defer os.RemoveAll(dir)

	W, H := s.Base.Rect.Dx(), s.Base.Rect.Dy()
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y"}
	raw := func(name string, img *image.RGBA) error {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, straight(img), 0o600); err != nil {
			return err
		}
		args = append(args, "-f", "rawvideo", "-pix_fmt", "rgba", "-s", fmt.Sprintf("%dx%d", img.Rect.Dx(), img.Rect.Dy()),
			"-framerate", strconv.Itoa(FPS), "-i", path)
		return nil
	}
	if err := raw("base.rgba", s.Base); err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	for i, l := range s.Layers {
		if err := raw(fmt.Sprintf("layer%d.rgba", i), l.Img); err != nil {
			return nil, fmt.Errorf("video: %w", err)
		}
	}
	dur := DefDuration
	if len(s.Voice) > 0 {
		path := filepath.Join(dir, "voice")
		if err := os.WriteFile(path, s.Voice, 0o600); err != nil {
			return nil, fmt.Errorf("video: %w", err)
		}
		args = append(args, "-i", path)
		if d, ok := r.seconds(ctx, path); ok {
			dur = d + 0.6 // the last word, then a beat
		}
		dur = min(max(dur, MinDuration), MaxDuration)
	}
	D := strconv.FormatFloat(dur, 'f', 2, 64)

	// The push-in scales the picture up a little each frame and crops the
	// centre back to W×H; the captions sit still over it and fade in.
	var g strings.Builder
	fmt.Fprintf(&g, "[0:v]loop=loop=-1:size=1,trim=duration=%s,scale=w='trunc(%d*(1+%g*t/%s)/2)*2':h=-2:eval=frame:flags=bilinear,crop=%d:%d,format=yuv420p[v0]",
		D, W, pushIn, D, W, H)
	for i, at := range Appear(len(s.Layers), dur) {
		l := s.Layers[i]
		fmt.Fprintf(&g, ";[%d:v]loop=loop=-1:size=1,trim=duration=%s,fade=t=in:st=%.2f:d=%g:alpha=1[l%d]", i+1, D, at, fadeIn, i)
		fmt.Fprintf(&g, ";[v%d][l%d]overlay=x=%d:y=%d:format=yuv420[v%d]", i, i, l.At.X, l.At.Y, i+1)
	}
	out := filepath.Join(dir, "clip.mp4")
	args = append(args, "-filter_complex", g.String(), "-map", fmt.Sprintf("[v%d]", len(s.Layers)))
	if len(s.Voice) > 0 {
		args = append(args, "-map", fmt.Sprintf("%d:a:0", len(s.Layers)+1), "-c:a", "aac", "-b:a", "96k", "-ac", "1", "-flags:a", "+bitexact")
	}
	return r.encode(ctx, args, out, D, "-tune", "stillimage")
}

// encode finishes an ffmpeg command whose inputs, filters and maps are in
// args: H.264 yuv420p at the capped rate (with extra encoder options), D
// seconds, no metadata (no global or chapter tags, no version strings, the
// encoder's settings SEI dropped from the bitstream), faststart; then runs
// it and returns the checked file.
func (r *Renderer) encode(ctx context.Context, args []string, out, D string, extra ...string) ([]byte, error) {
	args = append(args, "-c:v", "libx264", "-preset", "veryfast")
	args = append(args, extra...)
	args = append(args, "-crf", "23",
		"-maxrate", maxRate, "-bufsize", bufSize, "-pix_fmt", "yuv420p", "-r", strconv.Itoa(FPS), "-t", D,
		"-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact",
		"-bsf:v", "filter_units=remove_types=6",
		"-movflags", "+faststart", "-f", "mp4", out)
	if err := r.run(ctx, args); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	if err := Clean(data); err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	return data, nil
}

// seconds is the duration of the audio at path, from ffprobe.
func (r *Renderer) seconds(ctx context.Context, path string) (float64, bool) {
	if r.ffprobe == "" {
		return 0, false
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, r.ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path).Output()
	if err != nil {
		return 0, false
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	return d, err == nil && d > 0
}

// straight converts premultiplied RGBA to the straight alpha ffmpeg's
// rgba format means.
func straight(img *image.RGBA) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := make([]byte, 4*w*h)
	for y := 0; y < h; y++ {
		src := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):][:4*w]
		dst := out[4*w*y:][:4*w]
		for x := 0; x < 4*w; x += 4 {
			a := uint32(src[x+3])
			switch a {
			case 255:
				copy(dst[x:x+4], src[x:x+4])
			case 0:
			default:
				dst[x] = uint8(min(255, (uint32(src[x])*255+a/2)/a))
				dst[x+1] = uint8(min(255, (uint32(src[x+1])*255+a/2)/a))
				dst[x+2] = uint8(min(255, (uint32(src[x+2])*255+a/2)/a))
				dst[x+3] = uint8(a)
			}
		}
	}
	return out
}
