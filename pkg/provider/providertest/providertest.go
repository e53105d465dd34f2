// Package providertest is a stand-in for AIML API that speaks its
// published contract: the live catalogue (GET /models, ids and aliases,
// ETag), chat completions, image generations and speech whose bodies are
// validated against each model's published schema (testdata/schemas, see
// testdata/SOURCE.md; a field the schema does not name is refused), the
// documented answer shapes (data[].url or b64_json, {"audio": uri},
// meta.usage and the x-aimlapi-usd-spent header) and AIML's error body.
// It can be told to be out of credits, unauthorised, rate-limited without
// Retry-After, under maintenance, timing out, or to have deprecated a
// model, besides the latencies, hangs and hostile payloads the pipeline's
// tests inject. The real go-openai types, our chat, image and speech
// clients talk to it over loopback.
package providertest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Image answer shapes.
const (
	ShapeDataURL   = "data-url"   // {"data":[{"url"}]}: the documented shape
	ShapeDataB64   = "data-b64"   // {"data":[{"b64_json"}]}
	ShapeImagesURL = "images"     // {"images":[{"url"}]}: an older AIML shape
	ShapeOutputB64 = "output-b64" // {"output":{"choices":[{"image_base64"}]}} (legacy)
)

// Account states.
const (
	AccountOK           = ""
	AccountUnauthorized = "unauthorized" // 401 on every call
	AccountNoCredits    = "no-credits"   // 403 "You've run out of credits" on every call
)

// Costs the stand-in charges per call, in USD.
const (
	ChatUSD   = 0.0004
	ImageUSD  = 0.003
	SpeechUSD = 0.0015
	VideoUSD  = 0.4 // a 6 s clip with sound
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

	TTSLink      bool          // /tts answers with {"audio": "<link>"} instead of the bytes
	TTSDelay     time.Duration // before answering speech
	TTSStatus    int           // non-zero: answer speech with this status
	ImageStatus  int           // non-zero: answer images with this status
	ImageHang    bool          // never answer images
	ImageBody    []byte        // non-nil: raw images answer body (hostile payloads)
	ImageURL     string        // non-empty: URL put in URL shapes instead of our own file
	ImageBytes   []byte        // the picture served (default: a generated PNG)
	ImageErrBody string        // error message with ImageStatus

	// Account is the account's state (AccountUnauthorized, AccountNoCredits).
	Account string
	// RateLimited answers every call 429 "Too Many Requests", without
	// Retry-After.
	RateLimited bool
	// Maintenance answers every call 500 "The model is under maintenance".
	Maintenance bool
	// GatewayTimeout answers every call 504 "Generation timeout".
	GatewayTimeout bool
	// Deprecated models are gone: 404 on calls, absent from the catalogue
	// (the published deprecated list always is).
	Deprecated []string
	// NoCostHeader leaves out x-aimlapi-usd-spent (the cost is then only in
	// meta.usage).
	NoCostHeader bool
	// VideoPending is how many status reads a video generation answers
	// "generating" before it is "completed" (default 1); VideoFails makes
	// every generation end in "error".
	VideoPending int
	VideoFails   bool
}

// Server is a running provider stand-in.
type Server struct {
	*httptest.Server
	mu         sync.Mutex
	b          Behavior
	Chats      atomic.Int64 // chat requests received (generator and judge)
	Judges     atomic.Int64 // judge requests among them
	Images     atomic.Int64 // image requests received
	Files      atomic.Int64 // image file downloads
	Speeches   atomic.Int64 // text-to-speech requests
	Catalogues atomic.Int64 // catalogue requests (304s included)
	Videos     atomic.Int64 // video generations submitted
	VideoPolls atomic.Int64 // video generation status reads
	videos     map[string]*generation
	clips      map[int][]byte // the stand-in's clip per duration, made once
	lastVideo  map[string]any
	lastImage  map[string]any
	lastChat   map[string]any
	calls      map[string]int // provider calls by model
	refusals   []string       // bodies refused by their schema
	stop       chan struct{}
}

// New starts a server on loopback that answers like a real model, with
// the documented image shape.
func New() *Server {
	s := &Server{b: Behavior{ImageShape: ShapeDataURL}, stop: make(chan struct{}), calls: map[string]int{},
		videos: map[string]*generation{}, clips: map[int][]byte{}}
	mux := http.NewServeMux()
	for _, prefix := range []string{"", "/v1"} { // the base URL may or may not end in /v1
		mux.HandleFunc("GET "+prefix+"/models", s.catalogue)
		mux.HandleFunc("POST "+prefix+"/chat/completions", s.chat)
		mux.HandleFunc("POST "+prefix+"/images/generations", s.images)
		mux.HandleFunc("POST "+prefix+"/tts", s.speech)
	}
	mux.HandleFunc("POST /v2/video/generations", s.submitVideo)
	mux.HandleFunc("GET /v2/video/generations", s.pollVideo)
	mux.HandleFunc("GET /files/video/{id}", s.videoFile)
	mux.HandleFunc("GET /files/picture.png", s.file)
	mux.HandleFunc("GET /files/redirect", s.redirect)
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

// keep stores body as the latest of its kind (*at), under the lock.
func (s *Server) keep(at *map[string]any, body map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*at = body
}

// LastChatRequest returns the body of the latest chat call.
func (s *Server) LastChatRequest() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastChat
}

// Calls is how many calls reached model (refused ones included).
func (s *Server) Calls(model string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[model]
}

// TotalCalls is how many chat, image and speech calls arrived.
func (s *Server) TotalCalls() int64 { return s.Chats.Load() + s.Images.Load() + s.Speeches.Load() }

// Refusals are the schema errors of every refused body, in order.
func (s *Server) Refusals() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.refusals...)
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

// admit reads a call's body and answers for the account, the model and
// the schema as AIML does; ok is false when it has answered.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, b Behavior, endpoint string) (body map[string]any, model string, ok bool) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil || json.Unmarshal(raw, &body) != nil {
		s.writeErr(w, r, http.StatusBadRequest, "Body validation error!\nExpected object, received invalid JSON")
		return nil, "", false
	}
	model, _ = body["model"].(string)
	s.mu.Lock()
	s.calls[model]++
	s.mu.Unlock()
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") || strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") == "" || b.Account == AccountUnauthorized {
		s.writeErr(w, r, http.StatusUnauthorized, "This request requires a valid API key. You can create a new API key on the Billing page: https://aimlapi.com/app/keys")
		return nil, model, false
	}
	if b.Account == AccountNoCredits {
		s.writeErr(w, r, http.StatusForbidden, "You've run out of credits. Please top up your balance or update your payment method to continue: https://aimlapi.com/app/billing/")
		return nil, model, false
	}
	if deprecated(model, b) {
		s.writeErr(w, r, http.StatusNotFound, "Model "+model+" is deprecated and no longer supported")
		return nil, model, false
	}
	schema, known := Schemas[model]
	if !known {
		if _, listed := findModel(model); listed {
			s.writeErr(w, r, http.StatusBadRequest, "stand-in: no published schema is kept for "+model+" (add it under providertest/testdata/schemas)")
		} else {
			s.writeErr(w, r, http.StatusNotFound, "Model "+model+" not found")
		}
		return nil, model, false
	}
	if !strings.HasSuffix(schema.Path, endpoint) {
		s.writeErr(w, r, http.StatusBadRequest, fmt.Sprintf("Body validation error!\n%s is served at %s, not %s", model, schema.Path, endpoint))
		return nil, model, false
	}
	if errs := Validate(schema.Request, body); len(errs) > 0 {
		s.mu.Lock()
		s.refusals = append(s.refusals, model+": "+strings.Join(errs, "; "))
		s.mu.Unlock()
		s.writeErr(w, r, http.StatusBadRequest, "Body validation error!\n"+strings.Join(errs, "\n"))
		return nil, model, false
	}
	switch {
	case b.RateLimited:
		s.writeErr(w, r, http.StatusTooManyRequests, "Too Many Requests")
		return nil, model, false
	case b.Maintenance:
		s.writeErr(w, r, http.StatusInternalServerError, "The model is under maintenance, please contact us at help@aimlapi.com.")
		return nil, model, false
	case b.GatewayTimeout:
		s.writeErr(w, r, http.StatusGatewayTimeout, "Generation timeout")
		return nil, model, false
	}
	return body, model, true
}

// chatTexts are a chat body's system prompt (top-level or a system
// message) and user text, whatever the family.
func chatTexts(body map[string]any) (system, user string) {
	system, _ = body["system"].(string)
	msgs, _ := body["messages"].([]any)
	for _, m := range msgs {
		msg, _ := m.(map[string]any)
		raw, _ := json.Marshal(msg["content"])
		switch msg["role"] {
		case "system", "developer":
			system = text(raw)
		case "user":
			user = text(raw)
		}
	}
	return system, user
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	s.Chats.Add(1)
	b := s.behavior()
	body, model, ok := s.admit(w, r, b, "/chat/completions")
	if !ok {
		return
	}
	s.keep(&s.lastChat, body)
	system, user := chatTexts(body)
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
		s.writeErr(w, r, max(b.ChatStatus, b.JudgeStatus), "injected chat failure")
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
	s.writeJSON(w, r, b, b.ChatDrip, ChatUSD, map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion", "created": time.Now().Unix(), "model": model,
		"choices": []any{map[string]any{
			"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content, "refusal": nil},
		}},
		"usage": map[string]any{"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
		"meta":  usage(ChatUSD),
	})
}

func usage(usd float64) map[string]any {
	return map[string]any{"usage": map[string]any{"credits_used": int(usd * 2e6), "usd_spent": usd}}
}

func (s *Server) images(w http.ResponseWriter, r *http.Request) {
	s.Images.Add(1)
	b := s.behavior()
	req, model, ok := s.admit(w, r, b, "/images/generations")
	if !ok {
		return
	}
	s.keep(&s.lastImage, req)
	delay := b.ImageDelay
	if b.ImageLatency != nil {
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
		s.writeErr(w, r, b.ImageStatus, msg)
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
	var answer map[string]any
	switch b.ImageShape {
	case ShapeDataB64:
		answer = map[string]any{"data": []any{map[string]any{"b64_json": b64(), "url": nil}}}
	case ShapeImagesURL:
		answer = map[string]any{"images": []any{map[string]any{"url": url, "width": 1024, "height": 1024, "content_type": "image/png"}}, "seed": 42}
	case ShapeOutputB64:
		answer = map[string]any{"output": map[string]any{"choices": []any{map[string]any{"image_base64": b64()}}}}
	default:
		answer = map[string]any{"data": []any{map[string]any{"url": url, "b64_json": nil}}}
	}
	answer["meta"] = usage(ImageUSD)
	s.writeJSON(w, r, b, b.ImageDrip, ImageUSD, answer)
}

// speech answers POST /tts: the audio bytes, or {"audio": "<link>"}.
func (s *Server) speech(w http.ResponseWriter, r *http.Request) {
	s.Speeches.Add(1)
	b := s.behavior()
	if _, _, ok := s.admit(w, r, b, "/tts"); !ok {
		return
	}
	if !s.wait(r, b.TTSDelay, false) {
		return
	}
	if b.TTSStatus != 0 {
		s.writeErr(w, r, b.TTSStatus, "injected speech failure")
		return
	}
	if b.TTSLink {
		s.writeJSON(w, r, b, 0, SpeechUSD, map[string]any{"audio": s.URL + "/files/voice.wav", "meta": usage(SpeechUSD)})
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	_, _ = w.Write(TestWAV(2)) // binary audio carries no cost header (documented)
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

// "WxH" → []byte

func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, b Behavior, drip time.Duration, usd float64, v any) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-inference-id", "test-inference")
	if !b.NoCostHeader && usd > 0 {
		w.Header().Set("x-aimlapi-usd-spent", strconv.FormatFloat(usd, 'f', 9, 64))
	}
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

// writeErr answers with AIML's error body: {message, path, requestId,
// statusCode, timestamp}.
func (s *Server) writeErr(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"message": msg, "path": r.URL.Path, "requestId": fmt.Sprintf("req-%d", time.Now().UnixNano()),
		"statusCode": status, "timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
	})
}
