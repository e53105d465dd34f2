package video

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// testClip makes an MP4 with ffmpeg's test pattern (and a tone when sound
// is asked for): w×h, secs long.
func testClip(t testing.TB, r *Renderer, w, h int, secs float64, sound bool) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "src.mp4")
	args := []string{"-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
		"testsrc2=size=" + strconv.Itoa(w) + "x" + strconv.Itoa(h) + ":rate=25:duration=" + strconv.FormatFloat(secs, 'f', 1, 64)}
	if sound {
		args = append(args, "-f", "lavfi", "-i", "sine=frequency=440:duration="+strconv.FormatFloat(secs, 'f', 1, 64), "-c:a", "aac")
	}
	args = append(args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
		"-metadata", "title=made by a camera", "-metadata", "comment=identifying mark", out)
	if b, err := exec.Command(r.ffmpeg, args...).CombinedOutput(); err != nil {
		t.Fatalf("make test clip: %v: %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// solidBand is a band of height h (even) for any width.
func solidBand(h int) func(int) (*image.RGBA, error) {
	return func(w int) (*image.RGBA, error) {
		b := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(b, b.Rect, image.NewUniform(color.RGBA{255, 255, 255, 255}), image.Point{}, draw.Src)
		draw.Draw(b, image.Rect(w/4, h/4, 3*w/4, 3*h/4), image.NewUniform(color.RGBA{0, 0, 0, 255}), image.Point{}, draw.Src)
		return b, nil
	}
}

// A clip template's answer: trimmed, the band above the video, sized under
// the caps, H.264 yuv420p, sound only when asked for, and none of the
// source's metadata.
func TestRenderClip(t *testing.T) {
	r := renderer(t)
	for _, c := range []struct {
		name         string
		w, h         int
		secs         float64
		spec         ClipSpec
		wantW, wantH int // video plus band
		minD, maxD   float64
		audio        bool
	}{
		{"trimmed, silent", 640, 360, 4, ClipSpec{Start: 1, End: 3, Band: solidBand(80)}, 640, 440, 1.9, 2.1, false},
		{"whole clip with its sound", 480, 480, 3, ClipSpec{Audio: true, Band: solidBand(60)}, 480, 540, 2.9, 3.1, true},
		{"sound dropped", 480, 480, 2, ClipSpec{Band: solidBand(40)}, 480, 520, 1.9, 2.1, false},
		{"large: scaled under the caps", 1920, 1080, 2, ClipSpec{Band: solidBand(100)}, 0, 0, 1.9, 2.1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := c.spec
			s.Clip = testClip(t, r, c.w, c.h, c.secs, true)
			clip, err := r.RenderClip(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			if err := Clean(clip); err != nil {
				t.Errorf("not clean: %v", err)
			}
			p := ffprobe(t, r, clip)
			d, _ := strconv.ParseFloat(p.Format.Duration, 64)
			if d < c.minD || d > c.maxD {
				t.Errorf("duration %.2f, want %.1f..%.1f", d, c.minD, c.maxD)
			}
			audio := false
			for _, st := range p.Streams {
				if len(st.Tags) > 0 && (st.Tags["title"] != "" || st.Tags["comment"] != "") {
					t.Errorf("stream tags %v", st.Tags)
				}
				switch st.CodecType {
				case "video":
					if st.CodecName != "h264" || st.PixFmt != "yuv420p" {
						t.Errorf("video %s %s", st.CodecName, st.PixFmt)
					}
					if st.Width%2 != 0 || st.Height%2 != 0 || max(st.Width, st.Height) > MaxSide || st.Width*st.Height > MaxPixels {
						t.Errorf("size %dx%d breaks the caps", st.Width, st.Height)
					}
					if c.wantW > 0 && (st.Width != c.wantW || st.Height != c.wantH) {
						t.Errorf("size %dx%d, want %dx%d", st.Width, st.Height, c.wantW, c.wantH)
					}
				case "audio":
					audio = true
				}
			}
			if audio != c.audio {
				t.Errorf("audio %v, want %v", audio, c.audio)
			}
			if len(p.Format.Tags) > 0 && (p.Format.Tags["title"] != "" || p.Format.Tags["comment"] != "") {
				t.Errorf("format tags %v", p.Format.Tags)
			}
		})
	}
}

func TestRenderClipRejects(t *testing.T) {
	r := renderer(t)
	good := testClip(t, r, 320, 240, 2, false)
	for _, c := range []struct {
		name string
		spec ClipSpec
	}{
		{"not a video", ClipSpec{Clip: []byte("not an mp4 at all"), Band: solidBand(40)}},
		{"trim past the end", ClipSpec{Clip: good, Start: 5, End: 8, Band: solidBand(40)}},
	} {
		if _, err := r.RenderClip(context.Background(), c.spec); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := r.RenderClip(ctx, ClipSpec{Clip: testClip(t, r, 1280, 720, 20, false), Band: solidBand(40)}); err == nil {
		t.Error("a 20 s clip finished within 50 ms: the deadline was not applied")
	}
}

// TestClipTemplateSizeIsChecked: a 4K clip template was accepted and cost
// ffmpeg a 4K decode per request; its declared size is read from the MP4
// (tkhd) at load, and over 1080p it is refused.
func TestClipTemplateSizeIsChecked(t *testing.T) {
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatalf("ffmpeg missing (run make deps): %v", err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		size string
		w, h int
		ok   bool
	}{{"1280x720", 1280, 720, true}, {"3840x2160", 3840, 2160, false}} {
		out := filepath.Join(dir, tc.size+".mp4")
		if b, err := exec.Command(ff, "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s="+tc.size+":d=1",
			"-c:v", "libx264", "-t", "1", "-movflags", "+faststart", out).CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		w, h, err := Size(data)
		if err != nil || w != tc.w || h != tc.h {
			t.Errorf("%s: %dx%d %v", tc.size, w, h, err)
		}
		if err := CheckSize(data); (err == nil) != tc.ok {
			t.Errorf("%s: CheckSize %v", tc.size, err)
		}
	}
	if err := CheckSize([]byte("\x00\x00\x00\x10ftypisom\x00\x00\x00\x00")); err != nil {
		t.Errorf("a clip that declares no size: %v", err)
	}
}

// A video model's clip becomes a clip template's asset: 1080p and 9 s in,
// 720p and 6 s out, H.264 yuv420p with its sound, no metadata or encoder
// tags.
func TestNormalise(t *testing.T) {
	r := renderer(t)
	src := filepath.Join(t.TempDir(), "model.mp4")
	cmd := exec.Command(r.ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=24",
		"-f", "lavfi", "-i", "sine=frequency=330", "-t", "9", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p",
		"-c:a", "aac", "-metadata", "title=from the model", "-metadata", "comment=provider tag", src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make the model's clip: %v %s", err, out)
	}
	in, _ := os.ReadFile(src)
	clip, err := r.Normalise(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	p := ffprobe(t, r, clip)
	var video, audio bool
	for _, s := range p.Streams {
		switch s.CodecType {
		case "video":
			video = s.CodecName == "h264" && s.PixFmt == "yuv420p" && s.Width == 1280 && s.Height == 720
		case "audio":
			audio = s.CodecName == "aac"
		}
	}
	d, _ := strconv.ParseFloat(p.Format.Duration, 64)
	if !video || !audio || d < 5.9 || d > 6.1 {
		t.Errorf("normalised: video ok %v, sound %v, %.2f s: %+v", video, audio, d, p)
	}
	for k, v := range p.Format.Tags {
		if k != "major_brand" && k != "minor_version" && k != "compatible_brands" {
			t.Errorf("tag %s=%q survived", k, v)
		}
	}
	if bytes.Contains(clip, []byte("x264")) || bytes.Contains(clip, []byte("Lavf")) || bytes.Contains(clip, []byte("provider tag")) {
		t.Error("an encoder tag or the model's metadata is in the file")
	}
	if _, err := r.Normalise(context.Background(), []byte("not a video")); err == nil {
		t.Error("garbage normalised")
	}
}
