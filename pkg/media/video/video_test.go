package video

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"punchline/pkg/media/mediatest"
	"punchline/pkg/media/render"
	"punchline/pkg/provider/providertest"
)

// renderer needs ffmpeg: `make test` installs it (make deps); a missing
// one fails the test rather than skipping it.
func renderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := New("ffmpeg")
	if err != nil {
		t.Fatalf("%v (run make deps)", err)
	}
	if r.ffprobe == "" {
		t.Fatal("ffprobe missing (run make deps)")
	}
	return r
}

func spec(t testing.TB, w, h int, voice []byte) Spec {
	t.Helper()
	base, layers, _, err := render.Layers(mediatest.Photo(w, h), render.Caption{Top: "When the clip renders", Bottom: "in under a second"}, MaxSide, MaxPixels)
	if err != nil {
		t.Fatal(err)
	}
	return Spec{Base: base, Layers: layers, Voice: voice}
}

type probe struct {
	Streams []struct {
		CodecType string            `json:"codec_type"`
		CodecName string            `json:"codec_name"`
		PixFmt    string            `json:"pix_fmt"`
		Width     int               `json:"width"`
		Height    int               `json:"height"`
		Frames    string            `json:"nb_frames"`
		Rate      string            `json:"r_frame_rate"`
		Tags      map[string]string `json:"tags"`
	} `json:"streams"`
	Format struct {
		Duration string            `json:"duration"`
		Tags     map[string]string `json:"tags"`
	} `json:"format"`
}

func ffprobe(t *testing.T, r *Renderer, clip []byte) probe {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clip.mp4")
	if err := os.WriteFile(path, clip, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(r.ffprobe, "-v", "error", "-show_streams", "-show_format", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// Codec, pixel format, duration, size, faststart, and no metadata: checked
// by ffprobe and by reading the file.
func TestClip(t *testing.T) {
	r := renderer(t)
	for _, c := range []struct {
		name         string
		w, h         int
		voice        []byte
		wantW, wantH int
		minD, maxD   float64
	}{
		{"square, silent", 1024, 1024, nil, 960, 960, 4.9, 5.1},
		{"16:9, silent", 1920, 1080, nil, 1280, 720, 4.9, 5.1},
		{"9:16 with a 2 s voice", 720, 1280, providertest.TestWAV(2), 720, 1280, 3.9, 4.1},
		{"with a 9 s voice: capped", 800, 800, providertest.TestWAV(9), 800, 800, 5.9, 6.1},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := spec(t, c.w, c.h, c.voice)
			clip, err := r.Render(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			if len(clip) > 25<<20 || len(clip) < 10_000 {
				t.Errorf("%d bytes", len(clip))
			}
			p := ffprobe(t, r, clip)
			var d float64
			_, _ = fmtSscan(p.Format.Duration, &d)
			wantMin := c.minD
			if c.voice != nil && wantMin < MinDuration {
				wantMin = MinDuration - 0.1
			}
			if d < wantMin || d > c.maxD {
				t.Errorf("duration %.2f, want %.1f..%.1f", d, wantMin, c.maxD)
			}
			video, audio := 0, 0
			for _, st := range p.Streams {
				switch st.CodecType {
				case "video":
					video++
					if st.CodecName != "h264" || st.PixFmt != "yuv420p" || st.Rate != "25/1" {
						t.Errorf("video %s %s %s", st.CodecName, st.PixFmt, st.Rate)
					}
					if st.Width%2 != 0 || st.Height%2 != 0 || max(st.Width, st.Height) > MaxSide || st.Width*st.Height > MaxPixels {
						t.Errorf("size %dx%d", st.Width, st.Height)
					}
					if st.Width != c.wantW || st.Height != c.wantH {
						t.Errorf("size %dx%d, want %dx%d", st.Width, st.Height, c.wantW, c.wantH)
					}
				case "audio":
					audio++
					if st.CodecName != "aac" {
						t.Errorf("audio %s", st.CodecName)
					}
				}
				for k, v := range st.Tags {
					if k != "language" && k != "vendor_id" {
						t.Errorf("stream tag %s=%q", k, v)
					}
				}
			}
			if video != 1 || audio != map[bool]int{true: 1, false: 0}[c.voice != nil] {
				t.Errorf("%d video and %d audio streams", video, audio)
			}
			for k, v := range p.Format.Tags {
				switch k {
				case "major_brand", "minor_version", "compatible_brands":
				default:
					t.Errorf("format tag %s=%q", k, v)
				}
			}
			for _, s := range []string{"Lavf", "Lavc", "x264", "VideoHandler", "SoundHandler"} {
				if bytes.Contains(clip, []byte(s)) {
					t.Errorf("clip contains %q", s)
				}
			}
			if err := Clean(clip); err != nil { // faststart: moov before mdat
				t.Error(err)
			}
			if i, j := bytes.Index(clip, []byte("moov")), bytes.Index(clip, []byte("mdat")); i < 0 || j < 0 || i > j {
				t.Errorf("moov at %d, mdat at %d: not faststart", i, j)
			}
		})
	}
}

func fmtSscan(s string, d *float64) (int, error) {
	return fmt.Sscan(strings.TrimSpace(s), d)
}

// ffmpeg is killed when the context ends.
func TestRenderHonoursContext(t *testing.T) {
	r := renderer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := r.Render(ctx, spec(t, 1920, 1080, nil)); err == nil {
		t.Fatal("no error")
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("returned after %v", time.Since(start))
	}
}

func TestCleanRejects(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":      nil,
		"truncated":  {0, 0, 0, 40, 'm', 'o', 'o', 'v'},
		"mdat first": {0, 0, 0, 8, 'm', 'd', 'a', 't', 0, 0, 0, 8, 'm', 'o', 'o', 'v'},
	} {
		if err := Clean(data); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := New("/nonexistent/ffmpeg"); err == nil {
		t.Error("missing ffmpeg: no error")
	}
}

func TestAppear(t *testing.T) {
	if a := Appear(2, 5); a[0] != 0.3 || a[1] != 2 {
		t.Errorf("two captions: %v", a)
	}
	if a := Appear(1, 5); a[0] != 0.3 {
		t.Errorf("one caption: %v", a)
	}
}

// BenchmarkClip renders a 5 s 720p clip, with and without voice. `make
// bench` runs it on one core (taskset -c 0).
func BenchmarkClip(b *testing.B) {
	r := renderer(b)
	for _, c := range []struct {
		name  string
		voice []byte
	}{{"silent", nil}, {"voice", providertest.TestWAV(4.4)}} {
		b.Run(c.name, func(b *testing.B) {
			s := spec(b, 1280, 720, c.voice)
			for b.Loop() {
				if _, err := r.Render(context.Background(), s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
