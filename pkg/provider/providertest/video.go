package providertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// generation is one submitted video task.
type generation struct {
	id, model, prompt string
	duration, polls   int
}

// videoFetch is the published GET /v2/video/generations operation
// (testdata/video-fetch.json): its query parameters.
var videoFetch = func() (s struct {
	Source string `json:"source"`
	Query  []struct {
		Name     string `json:"name"`
		Required bool   `json:"required"`
	} `json:"query"`
}) {
	raw, err := published.ReadFile("testdata/video-fetch.json")
	if err == nil {
		err = json.Unmarshal(raw, &s)
	}
	if err != nil {
		panic("providertest: testdata/video-fetch.json: " + err.Error())
	}
	return s
}()

// LastVideoRequest returns the body of the latest video submission.
func (s *Server) LastVideoRequest() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastVideo
}

// submitVideo answers POST /v2/video/generations: the body is held to the
// model's published schema, and the task is queued.
func (s *Server) submitVideo(w http.ResponseWriter, r *http.Request) {
	s.Videos.Add(1)
	b := s.behavior()
	req, model, ok := s.admit(w, r, b, "/video/generations")
	if !ok {
		return
	}
	s.keep(&s.lastVideo, req)
	g := &generation{id: fmt.Sprintf("gen-%d", s.Videos.Load()), model: model, duration: 5}
	g.prompt, _ = req["prompt"].(string)
	if d, ok := req["duration"].(float64); ok {
		g.duration = int(d)
	}
	s.mu.Lock()
	s.videos[g.id] = g
	s.mu.Unlock()
	s.writeJSON(w, r, b, 0, 0, map[string]any{"id": g.id, "status": "queued"})
}

// pollVideo answers GET /v2/video/generations?generation_id=: generating
// for b.VideoPending reads, then completed with the clip's link (or the
// documented error object).
func (s *Server) pollVideo(w http.ResponseWriter, r *http.Request) {
	s.VideoPolls.Add(1)
	b := s.behavior()
	for _, p := range videoFetch.Query {
		if p.Required && r.URL.Query().Get(p.Name) == "" {
			s.writeErr(w, r, http.StatusBadRequest, "Query validation error!\n"+p.Name+" is required")
			return
		}
	}
	if a := r.Header.Get("Authorization"); len(a) < len("Bearer x") {
		s.writeErr(w, r, http.StatusUnauthorized, "This request requires a valid API key.")
		return
	}
	id := r.URL.Query().Get("generation_id")
	s.mu.Lock()
	g, ok := s.videos[id]
	if ok {
		g.polls++
	}
	s.mu.Unlock()
	if !ok {
		s.writeErr(w, r, http.StatusNotFound, "Generation "+id+" not found")
		return
	}
	pending := b.VideoPending
	if pending == 0 {
		pending = 1
	}
	switch {
	case g.polls <= pending:
		s.writeJSON(w, r, b, 0, 0, map[string]any{"id": id, "status": "generating", "video": nil})
	case b.VideoFails:
		s.writeJSON(w, r, b, 0, 0, map[string]any{"id": id, "status": "error", "video": nil,
			"error": map[string]any{"name": "GenerationError", "message": "injected video failure"}})
	default:
		s.writeJSON(w, r, b, 0, VideoUSD, map[string]any{"id": id, "status": "completed",
			"video": map[string]any{"url": s.URL + "/files/video/" + id + ".mp4"}, "meta": usage(VideoUSD)})
	}
}

// videoFile serves a finished clip: a 1080p test pattern with a tone, as
// long as was asked, with metadata and encoder tags for the normaliser
// to remove. Made by ffmpeg once per length (a test that paints clips
// needs ffmpeg anyway).
func (s *Server) videoFile(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	g, ok := s.videos[id[:max(0, len(id)-len(".mp4"))]]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	data, err := s.clip(r.Context(), g.duration)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "video/mp4")
	_, _ = w.Write(data)
}

func (s *Server) clip(ctx context.Context, seconds int) ([]byte, error) {
	s.mu.Lock()
	data, ok := s.clips[seconds]
	s.mu.Unlock()
	if ok {
		return data, nil
	}
	ffmpeg := os.Getenv("FFMPEG_PATH")
	if ffmpeg == "" {
		ffmpeg = "ffmpeg"
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := os.CreateTemp("", "standin-*.mp4")
	if err != nil {
		return nil, err
	}
	out.Close()
	defer os.Remove(out.Name())
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=24", "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100",
		"-t", strconv.Itoa(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "40", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "48k", "-metadata", "title=stand-in clip", "-metadata", "comment=painted by nobody", out.Name())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("stand-in clip: ffmpeg: %v: %s", err, stderr.String())
	}
	if data, err = os.ReadFile(out.Name()); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.clips[seconds] = data
	s.mu.Unlock()
	return data, nil
}
