package video

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ClipSpec is a clip template's answer: its clip, trimmed, under a band
// with the caption (the arena's most common video format).
type ClipSpec struct {
	Clip       []byte  // MP4 (H.264)
	Start, End float64 // trim in seconds; End 0 means the clip's end
	Audio      bool    // keep the clip's sound
	// Band draws the caption band for a video w pixels wide; its width is
	// w and both sides are even.
	Band func(w int) (*image.RGBA, error)
}

// MaxClipSeconds caps a clip answer's length.
const MaxClipSeconds = 30.0

// RenderClip makes the clip answer: the trimmed clip scaled to fit the
// size caps with the band above it, H.264 yuv420p, faststart, no metadata.
func (r *Renderer) RenderClip(ctx context.Context, s ClipSpec) ([]byte, error) {
	dir, in, w, h, length, err := r.input(ctx, s.Clip, "clip templates")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	end := s.End
	if end <= 0 || end > length {
		end = length
	}
	dur := math.Min(end-s.Start, MaxClipSeconds)
	if dur <= 0.1 {
		return nil, fmt.Errorf("video: trim %g..%g of a %.2fs clip leaves nothing", s.Start, s.End, length)
	}

	// Fit video plus band under the caps. The band's height depends on the
	// width, so size, draw the band, and shrink again while the two together
	// break a cap.
	vw, vh := fit(w, h, 0)
	var band *image.RGBA
	for try := 0; ; try++ {
		if band, err = s.Band(vw); err != nil {
			return nil, fmt.Errorf("video: band: %w", err)
		}
		bh := band.Rect.Dy()
		if band.Rect.Dx() != vw || bh%2 != 0 {
			return nil, fmt.Errorf("video: band is %dx%d for a %d-pixel video; want that width and an even height", band.Rect.Dx(), bh, vw)
		}
		if max(vw, vh+bh) <= MaxSide && vw*(vh+bh) <= MaxPixels {
			break
		}
		if try == 4 {
			return nil, fmt.Errorf("video: a %d-pixel band leaves no room for the video", bh)
		}
		vw, vh = fit(w, h, bh*w/vw+2)
	}
	bh := band.Rect.Dy()
	bandPath := filepath.Join(dir, "band.rgba")
	if err := os.WriteFile(bandPath, straight(band), 0o600); err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	D := strconv.FormatFloat(dur, 'f', 2, 64)
	graph := fmt.Sprintf("[0:v]scale=%d:%d:flags=bicubic,setsar=1,fps=%d,pad=%d:%d:0:%d:white[v];"+
		"[1:v]loop=loop=-1:size=1,trim=duration=%s[b];[v][b]overlay=0:0:format=yuv420,format=yuv420p[out]",
		vw, vh, FPS, vw, vh+bh, bh, D)
	out := filepath.Join(dir, "clip.mp4")
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y",
		"-ss", strconv.FormatFloat(s.Start, 'f', 3, 64), "-t", D, "-i", in,
		"-f", "rawvideo", "-pix_fmt", "rgba", "-s", fmt.Sprintf("%dx%d", band.Rect.Dx(), bh), "-framerate", strconv.Itoa(FPS), "-i", bandPath,
		"-filter_complex", graph, "-map", "[out]"}
	if s.Audio {
		args = append(args, "-map", "0:a:0?", "-c:a", "aac", "-b:a", "96k", "-flags:a", "+bitexact")
	}
	return r.encode(ctx, args, out, D)
}

// input writes clip to a new working folder (dir, removed by the caller
// once err is nil) as in and probes it: its size and length. what names
// the work that needs ffprobe.
func (r *Renderer) input(ctx context.Context, clip []byte, what string) (dir, in string, w, h int, length float64, err error) {
	if r.ffprobe == "" {
		return "", "", 0, 0, 0, fmt.Errorf("video: %s needs ffprobe beside ffmpeg", what)
	}
	if dir, err = os.MkdirTemp("", "punchline-clip-"); err != nil {
		return "", "", 0, 0, 0, fmt.Errorf("video: %w", err)
	}
	in = filepath.Join(dir, "in.mp4")
	if err = os.WriteFile(in, clip, 0o600); err != nil {
		err = fmt.Errorf("video: %w", err)
	} else {
		w, h, length, err = r.probe(ctx, in)
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", "", 0, 0, 0, err
	}
	return dir, in, w, h, length, nil
}

// fit is the even size of a w×h video with a band of extra rows (at the
// source's scale) above it, under MaxSide and MaxPixels.
func fit(w, h, extra int) (int, int) {
	f := math.Min(1, float64(MaxSide)/float64(max(w, h+extra)))
	if px := float64(w) * float64(h+extra) * f * f; px > MaxPixels {
		f *= math.Sqrt(MaxPixels / px)
	}
	return max(2, int(float64(w)*f)&^1), max(2, int(float64(h)*f)&^1)
}

// probe reads the first video stream's size and the file's duration.
func (r *Renderer) probe(ctx context.Context, path string) (w, h int, dur float64, err error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, r.ffprobe, "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=width,height:format=duration", "-of", "default=noprint_wrappers=1", path).Output()
	if err != nil {
		return 0, 0, 0, fmt.Errorf("video: ffprobe: %w", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		switch k {
		case "width":
			w, _ = strconv.Atoi(v)
		case "height":
			h, _ = strconv.Atoi(v)
		case "duration":
			dur, _ = strconv.ParseFloat(v, 64)
		}
	}
	if w < 16 || h < 16 || w > 8192 || h > 8192 || !(dur > 0) {
		return 0, 0, 0, fmt.Errorf("video: clip %dx%d, %.2fs: not a usable video", w, h, dur)
	}
	return w, h, dur, nil
}

// run runs ffmpeg with args under ctx, killing its process group at the
// deadline.
func (r *Renderer) run(ctx context.Context, args []string) error {
	cmd := exec.CommandContext(ctx, r.ffmpeg, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 200 * time.Millisecond
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("video: ffmpeg stopped: %w", ctx.Err())
		}
		msg := stderr.String()
		if len(msg) > 500 {
			msg = msg[len(msg)-500:]
		}
		return fmt.Errorf("video: ffmpeg: %w: %s", err, strings.TrimSpace(msg))
	}
	return nil
}

// Painted clips: what a clip template made by a video model may be.
const (
	NormalMaxSeconds = 6.0
	NormalMaxBytes   = 8 << 20
)

// Normalise makes a clip from a video model into a clip template's asset:
// at most NormalMaxSeconds, scaled to fit 720p (MaxSide × MaxPixels), H.264
// yuv420p with its sound as AAC, no metadata, encoder tags or SEI, and at
// most NormalMaxBytes.
func (r *Renderer) Normalise(ctx context.Context, clip []byte) ([]byte, error) {
	dir, in, w, h, length, err := r.input(ctx, clip, "normalising")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	vw, vh := fit(w, h, 0)
	D := strconv.FormatFloat(math.Min(length, NormalMaxSeconds), 'f', 2, 64)
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-t", D, "-i", in,
		"-map", "0:v:0", "-map", "0:a:0?", "-vf", fmt.Sprintf("scale=%d:%d:flags=bicubic,setsar=1", vw, vh),
		"-c:a", "aac", "-b:a", "96k", "-flags:a", "+bitexact"}
	data, err := r.encode(ctx, args, filepath.Join(dir, "out.mp4"), D)
	if err != nil {
		return nil, err
	}
	if len(data) > NormalMaxBytes {
		return nil, fmt.Errorf("video: the normalised clip is %d bytes, over %d", len(data), NormalMaxBytes)
	}
	return data, nil
}
