package imagegen_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/fetch"
	"punchline/pkg/provider/imagegen"
	"punchline/pkg/provider/providertest"
)

func client(t *testing.T, srv *providertest.Server, models ...string) *imagegen.Client {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	policy, err := fetch.NewPolicy(context.Background(), []string{u.Host})
	if err != nil {
		t.Fatal(err)
	}
	if len(models) == 0 {
		models = []string{"flux/schnell"}
	}
	return imagegen.New(srv.Client(), srv.URL, "key", models, policy.Client())
}

func TestGenerateAcceptsAllShapes(t *testing.T) {
	for _, shape := range []string{providertest.ShapeImagesURL, providertest.ShapeDataURL, providertest.ShapeDataB64, providertest.ShapeOutputB64} {
		t.Run(shape, func(t *testing.T) {
			srv := providertest.New()
			defer srv.Close()
			srv.Set(func(b *providertest.Behavior) { b.ImageShape = shape })
			img, err := client(t, srv).GenerateWith(context.Background(), "flux/schnell", "a cat")
			if err != nil {
				t.Fatalf("GenerateWith: %v", err)
			}
			if img.Bounds().Dx() != 512 {
				t.Errorf("bounds %v", img.Bounds())
			}
			wantFiles := int64(0)
			if shape == providertest.ShapeImagesURL || shape == providertest.ShapeDataURL {
				wantFiles = 1
			}
			if srv.Files.Load() != wantFiles {
				t.Errorf("downloads = %d, want %d", srv.Files.Load(), wantFiles)
			}
		})
	}
}

// Every image model with a published schema kept as testdata gets a body
// its schema allows (the stand-in refuses any other), square and about a
// megapixel in its family's terms, and the cost of the call is metered.
func TestRequestBodyPerModelFamily(t *testing.T) {
	srv := providertest.New()
	defer srv.Close()
	c := client(t, srv)
	square := map[string]func(map[string]any) bool{
		"image_size": func(r map[string]any) bool {
			return r["image_size"] == "square_hd" || fmt.Sprint(r["image_size"]) == "map[height:1440 width:1440]"
		},
		"size":         func(r map[string]any) bool { return r["size"] == "1024x1024" },
		"aspect_ratio": func(r map[string]any) bool { return r["aspect_ratio"] == "1:1" },
	}
	models := providertest.SchemaModels("/images/generations")
	if len(models) < 8 {
		t.Fatalf("only %d image schemas kept", len(models))
	}
	for _, model := range models {
		t.Run(model, func(t *testing.T) {
			m := &aiml.Meter{}
			if _, err := c.GenerateWith(aiml.WithMeter(context.Background(), m), model, strings.Repeat("a cat on a sofa ", 40)); err != nil {
				t.Fatalf("%v (refusals %q)", err, srv.Refusals())
			}
			req := srv.LastImageRequest()
			ok := false
			for field, isSquare := range square {
				if req[field] != nil {
					ok = isSquare(req)
					break
				}
			}
			if !ok {
				t.Errorf("%s: no square size in %v", model, req)
			}
			if m.USD() != providertest.ImageUSD {
				t.Errorf("cost %v, want %v", m.USD(), providertest.ImageUSD)
			}
		})
	}
	if r := srv.Refusals(); len(r) > 0 {
		t.Errorf("refused by their schemas: %q", r)
	}
}

func TestGenerateFailures(t *testing.T) {
	bomb := providertest.BombPNG(20000, 20000)
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	tests := []struct {
		name string
		set  func(*providertest.Behavior)
		want string
	}{
		{"500", func(b *providertest.Behavior) { b.ImageStatus = 500 }, "status 500"},
		{"refused", func(b *providertest.Behavior) {
			b.ImageStatus, b.ImageErrBody = 400, "Your prompt was flagged by our content_policy"
		}, "refused"},
		{"truncated json", func(b *providertest.Behavior) { b.ImageBody = []byte(`{"images":[{"url":"http`) }, "decode answer"},
		{"no image", func(b *providertest.Behavior) { b.ImageBody = []byte(`{"images":[]}`) }, "no image"},
		{"bad base64", func(b *providertest.Behavior) { b.ImageBody = []byte(`{"data":[{"b64_json":"!!!"}]}`) }, "base64"},
		{"not an image", func(b *providertest.Behavior) {
			b.ImageBody = []byte(`{"data":[{"b64_json":"` + b64([]byte("<html>hello</html>")) + `"}]}`)
		}, "not an image"},
		{"decompression bomb", func(b *providertest.Behavior) {
			b.ImageBody = []byte(`{"data":[{"b64_json":"` + b64(bomb) + `"}]}`)
		}, "exceeds"},
		{"bomb by URL", func(b *providertest.Behavior) { b.ImageBytes = bomb }, "exceeds"},
		{"30 MB image", func(b *providertest.Behavior) { b.ImageBytes = bytes.Repeat([]byte{0}, 30<<20) }, "too large"},
		{"ftp url", func(b *providertest.Behavior) { b.ImageURL = "ftp://example.com/x.png" }, "only http and https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.New()
			defer srv.Close()
			srv.Set(tt.set)
			_, err := client(t, srv).GenerateWith(context.Background(), "flux/schnell", "p")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// A content-policy refusal is marked, so the caller stops trying models.
func TestRefusalIsMarked(t *testing.T) {
	srv := providertest.New()
	defer srv.Close()
	srv.Set(func(b *providertest.Behavior) { b.ImageStatus, b.ImageErrBody = 400, "content policy violation" })
	if _, err := client(t, srv, "flux/schnell").GenerateWith(context.Background(), "flux/schnell", "p"); !errors.Is(err, imagegen.ErrRefused) {
		t.Fatalf("err = %v, want ErrRefused", err)
	}
	srv.Set(func(b *providertest.Behavior) { b.ImageStatus, b.ImageErrBody = 503, "overloaded" })
	if _, err := client(t, srv, "flux/schnell").GenerateWith(context.Background(), "flux/schnell", "p"); err == nil || errors.Is(err, imagegen.ErrRefused) {
		t.Fatalf("503: err = %v, want a plain error", err)
	}
}

func TestHangingProviderRespectsContext(t *testing.T) {
	srv := providertest.New()
	defer srv.Close()
	srv.Set(func(b *providertest.Behavior) { b.ImageHang = true })
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if _, err := client(t, srv, "flux/schnell").GenerateWith(ctx, "flux/schnell", "p"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}

func TestDecodeResponseShapes(t *testing.T) {
	png := providertest.TestPNG(8, 8)
	b64 := base64.StdEncoding.EncodeToString(png)
	tests := []struct {
		name, body string
		url        string
		data       bool
	}{
		{"images url", `{"images":[{"url":"https://cdn/x.png","width":1024}]}`, "https://cdn/x.png", false},
		{"data url", `{"created":1,"data":[{"url":"https://cdn/y.png"}]}`, "https://cdn/y.png", false},
		{"data b64", `{"data":[{"b64_json":"` + b64 + `"}]}`, "", true},
		{"output choices", `{"output":{"choices":[{"image_base64":"` + b64 + `"}]}}`, "", true},
		{"data: URL", `{"images":[{"url":"data:image/png;base64,` + b64 + `"}]}`, "", true},
		{"skips empty items", `{"data":[{},{"url":"https://cdn/z.png"}]}`, "https://cdn/z.png", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, err := imagegen.DecodeResponse([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if ref.URL != tt.url || (len(ref.Data) > 0) != tt.data {
				t.Errorf("ref = %q, %d bytes", ref.URL, len(ref.Data))
			}
			if tt.data && !bytes.Equal(ref.Data, png) {
				t.Errorf("decoded bytes differ")
			}
		})
	}
}

// FuzzDecodeResponse: hostile answers never panic and never yield both or
// neither of URL and data on success.
func FuzzDecodeResponse(f *testing.F) {
	for _, s := range []string{`{"images":[{"url":"https://x"}]}`, `{"data":[{"b64_json":"aGk="}]}`,
		`{"output":{"choices":[{"image_base64":"aGk="}]}}`, `{"images":[{"url":"data:image/png;base64,aGk="}]}`, `null`, `{"data":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ref, err := imagegen.DecodeResponse(body)
		if err == nil && (ref.URL == "") == (len(ref.Data) == 0) {
			t.Fatalf("success with url %q and %d bytes", ref.URL, len(ref.Data))
		}
		if err == nil && ref.Data != nil {
			_, _ = imagegen.DecodeImage(ref.Data) // must not panic or allocate a bomb
		}
	})
}
