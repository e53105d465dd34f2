package tts

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"punchline/pkg/provider/fetch"
	"punchline/pkg/provider/providertest"
)

func TestSpeak(t *testing.T) {
	srv := providertest.New()
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	policy, err := fetch.NewPolicy(context.Background(), []string{u.Host})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, model string
		link        bool
	}{
		{"AIML bytes", "#g1_aura-asteria-en", false},
		{"AIML link", "#g1_aura-asteria-en", true},
		{"OpenAI speech", "tts-1", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv.Set(func(b *providertest.Behavior) { b.TTSLink = c.link })
			audio, err := New(http.DefaultClient, srv.URL, "k", c.model, "alloy", policy.Client()).Speak(context.Background(), "hello")
			if err != nil || string(audio[:4]) != "RIFF" {
				t.Fatalf("%v %q", err, audio[:min(4, len(audio))])
			}
		})
	}
	srv.Set(func(b *providertest.Behavior) { b.TTSStatus = 500 })
	if _, err := New(http.DefaultClient, srv.URL, "k", "tts-1", "alloy", policy.Client()).Speak(context.Background(), "x"); err == nil {
		t.Error("500: no error")
	}
}

func TestAudioURLAndSniff(t *testing.T) {
	for body, want := range map[string]string{
		`{"url":"http://a/1.mp3"}`:              "http://a/1.mp3",
		`{"audio":{"url":"http://a/2.wav"}}`:    "http://a/2.wav",
		`{"data":[{"audio_url":"http://a/3"}]}`: "http://a/3",
		`{"result":{"audio_url":"http://a/4"}}`: "http://a/4",
		`{"audio":{"format":"mp3"}}`:            "",
		`[1,2]`:                                 "",
	} {
		got, err := AudioURL([]byte(body))
		if got != want || (want == "") != (err != nil) {
			t.Errorf("%s: %q %v", body, got, err)
		}
	}
	for _, b := range [][]byte{nil, []byte("<html>"), []byte("{}")} {
		if _, err := audio(b); err == nil {
			t.Errorf("%q accepted as audio", b)
		}
	}
}
