// Package providertest is an OpenAI-compatible test server: chat
// completions and image generations in all three answer shapes AIML uses,
// with injectable latency, errors, hangs and bad payloads. The real
// go-openai client and our image client talk to it over loopback.
package providertest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Image answer shapes.
const (
	ShapeImagesURL = "images"     // {"images":[{"url"}]}  (AIML FLUX)
	ShapeDataURL   = "data-url"   // {"data":[{"url"}]}    (OpenAI)
	ShapeDataB64   = "data-b64"   // {"data":[{"b64_json"}]}
	ShapeOutputB64 = "output-b64" // {"output":{"choices":[{"image_base64"}]}} (legacy)
)

// Behavior is what the server does; change it with Set.
type Behavior struct {
	// ChatContent, when set, is the answer to every chat call. Unset, the
	// server answers like a real model: a generator request (our joke
	// engine's) gets the candidates it asks for, built from the recipes and
	// templates it offers; a judge request (lines "Candidate <n>:") gets a
	// ranking that prefers the last-written candidate (by its angle number),
	// whatever the order shown.
	ChatContent      string
	GeneratorContent string        // when set, the answer to generator calls
	JudgeContent     string        // when set, the answer to judge calls
	ChatDelay        time.Duration // before answering chat
	ChatStatus       int           // non-zero: answer chat with this status and an error body
	ChatHang         bool          // never answer chat (until the client gives up)
	JudgeDelay       time.Duration // before answering a judge call (on top of ChatDelay)
	JudgeStatus      int           // non-zero: answer judge calls with this status
	JudgeHang        bool          // never answer judge calls

	ChatLatency func() time.Duration // non-nil: the delay of each chat call, drawn (see HeavyTail)
	ChatDrip    time.Duration        // non-zero: write the chat answer 16 bytes at a time, this far apart

	ImageShape      string                           // one of the Shape constants
	ImageDelay      time.Duration                    // before answering images
	ImageLatency    func(model string) time.Duration // non-nil: the delay of each image call, by model
	ImageDrip       time.Duration                    // non-zero: write the images answer 16 bytes at a time, this far apart
	ImageRetryAfter string                           // with ImageStatus: the Retry-After header
	RedirectTo      string                           // /files/redirect sends here

	TTSLink      bool          // /tts answers with a JSON link to the audio instead of the bytes
	TTSDelay     time.Duration // before answering speech
	TTSStatus    int           // non-zero: answer speech with this status
	ImageStatus  int           // non-zero: answer images with this status
	ImageHang    bool          // never answer images
	ImageBody    []byte        // non-nil: raw images answer body (hostile payloads)
	ImageURL     string        // non-empty: URL put in URL shapes instead of our own file
	ImageBytes   []byte        // the picture served (default: a generated PNG)
	ImageErrBody string        // error body with ImageStatus
}

// Server is a running provider stand-in.
type Server struct {
	*httptest.Server
	mu        sync.Mutex
	b         Behavior
	Chats     atomic.Int64   // chat requests received (generator and judge)
	Judges    atomic.Int64   // judge requests among them
	Images    atomic.Int64   // image requests received
	Files     atomic.Int64   // image file downloads
	Speeches  atomic.Int64   // text-to-speech requests
	lastImage map[string]any // body of the latest images call
	stop      chan struct{}
}

// New starts a server on loopback that answers like a real model, with
// the images shape.
func New() *Server {
	s := &Server{b: Behavior{ImageShape: ShapeImagesURL}, stop: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /chat/completions", s.chat)
	mux.HandleFunc("POST /images/generations", s.images)
	mux.HandleFunc("GET /files/picture.png", s.file)
	mux.HandleFunc("GET /files/redirect", s.redirect)
	mux.HandleFunc("POST /tts", s.speech)
	mux.HandleFunc("POST /audio/speech", s.speech)
	mux.HandleFunc("GET /files/voice.wav", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "audio/wav")
		_, _ = w.Write(TestWAV(2))
	})
	s.Server = httptest.NewServer(mux)
	return s
}

// Close stops the server, releasing handlers that hang.
func (s *Server) Close() {
	close(s.stop)
	s.Server.CloseClientConnections()
	s.Server.Close()
}

// Set changes the behaviour.
func (s *Server) Set(f func(*Behavior)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.b)
}

func (s *Server) behavior() Behavior {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b
}

// LastImageRequest returns the body of the latest images call.
func (s *Server) LastImageRequest() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastImage
}

// wait sleeps d or until the client leaves or the server closes; hang
// waits for either of the latter.
func (s *Server) wait(r *http.Request, d time.Duration, hang bool) bool {
	var timer <-chan time.Time
	if !hang {
		if d <= 0 {
			return true
		}
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-timer:
		return true
	case <-r.Context().Done():
	case <-s.stop:
	}
	return false
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	s.Chats.Add(1)
	b := s.behavior()
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"` // a string, or a list of parts
		} `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model == "" || len(req.Messages) == 0 {
		writeErr(w, http.StatusBadRequest, "invalid chat request")
		return
	}
	if r.Header.Get("Authorization") == "" {
		writeErr(w, http.StatusUnauthorized, "missing key")
		return
	}
	var system, user string
	for _, m := range req.Messages {
		switch m.Role {
		case "system":
			system = text(m.Content)
		case "user":
			user = text(m.Content)
		}
	}
	judging := strings.Contains(user, "\nCandidate 1:")
	if judging {
		s.Judges.Add(1)
	}
	delay := b.ChatDelay
	if b.ChatLatency != nil {
		delay = b.ChatLatency()
	}
	if judging {
		delay += b.JudgeDelay
	}
	if !s.wait(r, delay, b.ChatHang || (judging && b.JudgeHang)) {
		return
	}
	if b.ChatStatus != 0 || (judging && b.JudgeStatus != 0) {
		writeErr(w, max(b.ChatStatus, b.JudgeStatus), "injected chat failure")
		return
	}
	content := b.ChatContent
	switch {
	case content != "":
	case judging && b.JudgeContent != "":
		content = b.JudgeContent
	case judging:
		content = rankLatest(user)
	case b.GeneratorContent != "":
		content = b.GeneratorContent
	default:
		content = writeCandidates(system, user)
	}
	s.writeJSON(w, r, b.ChatDrip, map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
		"choices": []any{map[string]any{
			"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content},
		}},
		"usage": map[string]any{"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
	})
}

func (s *Server) images(w http.ResponseWriter, r *http.Request) {
	s.Images.Add(1)
	b := s.behavior()
	var req map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || req["prompt"] == nil {
		writeErr(w, http.StatusBadRequest, "invalid image request")
		return
	}
	s.mu.Lock()
	s.lastImage = req
	s.mu.Unlock()
	delay := b.ImageDelay
	if b.ImageLatency != nil {
		model, _ := req["model"].(string)
		delay = b.ImageLatency(model)
	}
	if !s.wait(r, delay, b.ImageHang) {
		return
	}
	if b.ImageStatus != 0 {
		msg := b.ImageErrBody
		if msg == "" {
			msg = "injected image failure"
		}
		if b.ImageRetryAfter != "" {
			w.Header().Set("Retry-After", b.ImageRetryAfter)
		}
		writeErr(w, b.ImageStatus, msg)
		return
	}
	if b.ImageBody != nil {
		w.Header().Set("Content-Type", "application/json")
		s.drip(w, r, b.ImageDrip, b.ImageBody)
		return
	}
	url := b.ImageURL
	if url == "" {
		url = s.URL + "/files/picture.png"
	}
	b64 := func() string { return base64.StdEncoding.EncodeToString(s.picture(b)) }
	switch b.ImageShape {
	case ShapeDataURL:
		s.writeJSON(w, r, b.ImageDrip, map[string]any{"created": 1, "data": []any{map[string]any{"url": url}}})
	case ShapeDataB64:
		s.writeJSON(w, r, b.ImageDrip, map[string]any{"created": 1, "data": []any{map[string]any{"b64_json": b64()}}})
	case ShapeOutputB64:
		s.writeJSON(w, r, b.ImageDrip, map[string]any{"output": map[string]any{"choices": []any{map[string]any{"image_base64": b64()}}}})
	default:
		s.writeJSON(w, r, b.ImageDrip, map[string]any{"images": []any{map[string]any{"url": url, "width": 1024, "height": 1024, "content_type": "image/png"}}, "seed": 42})
	}
}

// speech answers AIML's /tts (text) and OpenAI's /audio/speech (input).
func (s *Server) speech(w http.ResponseWriter, r *http.Request) {
	s.Speeches.Add(1)
	b := s.behavior()
	var req map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || (req["text"] == nil && req["input"] == nil) {
		writeErr(w, http.StatusBadRequest, "invalid speech request")
		return
	}
	if !s.wait(r, b.TTSDelay, false) {
		return
	}
	if b.TTSStatus != 0 {
		writeErr(w, b.TTSStatus, "injected speech failure")
		return
	}
	if b.TTSLink && r.URL.Path == "/tts" {
		s.writeJSON(w, r, 0, map[string]any{"audio": map[string]any{"url": s.URL + "/files/voice.wav"}})
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	_, _ = w.Write(TestWAV(2))
}

// redirect sends the client to Behavior.RedirectTo (an image URL that
// looks fine and leads somewhere it must not go).
func (s *Server) redirect(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, s.behavior().RedirectTo, http.StatusFound)
}

func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	s.Files.Add(1)
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(s.picture(s.behavior()))
}

func (s *Server) picture(b Behavior) []byte {
	if b.ImageBytes != nil {
		return b.ImageBytes
	}
	return TestPNG(512, 512)
}

var pngCache sync.Map // "WxH" → []byte

// TestPNG returns a photo-like PNG (smooth gradient with detail) of w×h.
func TestPNG(w, h int) []byte {
	key := fmt.Sprintf("%dx%d", w, h)
	if v, ok := pngCache.Load(key); ok {
		return v.([]byte)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x ^ y) & 0x3f), 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	pngCache.Store(key, buf.Bytes())
	return buf.Bytes()
}

// BombPNG returns a tiny PNG whose header claims w×h pixels: decoding it
// would allocate w*h*4 bytes.
func BombPNG(w, h uint32) []byte {
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
	b := buf.Bytes()
	// IHDR data starts at byte 16: width and height, big-endian.
	put := func(off int, v uint32) {
		b[off], b[off+1], b[off+2], b[off+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	}
	put(16, w)
	put(20, h)
	put(29, crc32.ChecksumIEEE(b[12:29])) // IHDR type+data, so the header is valid
	return b
}

func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, drip time.Duration, v any) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	s.drip(w, r, drip, body)
}

// drip writes body at once, or 16 bytes every d: a server that is alive
// but never quite done.
func (s *Server) drip(w http.ResponseWriter, r *http.Request, d time.Duration, body []byte) {
	if d <= 0 {
		_, _ = w.Write(body)
		return
	}
	flusher, _ := w.(http.Flusher)
	for len(body) > 0 {
		n := min(16, len(body))
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
		body = body[n:]
		if !s.wait(r, d, false) {
			return
		}
	}
}

// HeavyTail returns a latency distribution for a test server: mostly
// log-normal around median (σ 0.35), and with probability tail uniform in
// [tailMin, tailMax]. seed makes runs repeatable; it is safe for concurrent use.
func HeavyTail(seed uint64, median time.Duration, tail float64, tailMin, tailMax time.Duration) func() time.Duration {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	return func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		if rng.Float64() < tail {
			return tailMin + time.Duration(rng.Int64N(int64(tailMax-tailMin)+1))
		}
		return time.Duration(float64(median) * math.Exp(0.35*rng.NormFloat64()))
	}
}

func writeErr(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "test_error", "code": status}})
}

// TestWAV is a mono 16 kHz 16-bit WAV of a soft 440 Hz tone lasting
// seconds: a stand-in for synthesised speech.
func TestWAV(seconds float64) []byte {
	const rate = 16000
	n := int(seconds * rate)
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + 2*n))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1)) // PCM
	le(uint16(1)) // mono
	le(uint32(rate))
	le(uint32(2 * rate))
	le(uint16(2))
	le(uint16(16))
	b.WriteString("data")
	le(uint32(2 * n))
	for i := 0; i < n; i++ {
		le(int16(6000 * math.Sin(2*math.Pi*440*float64(i)/rate)))
	}
	return b.Bytes()
}
