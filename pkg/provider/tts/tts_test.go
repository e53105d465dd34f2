package tts

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"punchline/pkg/meme"
	"punchline/pkg/provider/aiml"
	"punchline/pkg/provider/fetch"
	"punchline/pkg/provider/providertest"
)

// Every speech family on AIML's one route, /tts, with a voice its schema
// documents: the stand-in refuses any body its published schema does not
// allow, and answers with the bytes or {"audio": "<uri>"}.
func TestSpeak(t *testing.T) {
	srv := providertest.New()
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	policy, err := fetch.NewPolicy(context.Background(), []string{u.Host})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		model, voice, want string
		link, wrongVoice   bool
	}{
		{"openai/tts-1", "nova", "nova", false, false},
		{"openai/gpt-4o-mini-tts", "", "alloy", true, false},
		{"deepgram/aura-2", "alloy", "thalia", false, true}, // alloy is OpenAI's: the family's default instead
		{"deepgram/aura-2", "Luna", "luna", true, false},
		{"elevenlabs/eleven_turbo_v2_5", "", "Rachel", false, false},
	} {
		t.Run(c.model+"/"+c.voice, func(t *testing.T) {
			srv.Set(func(b *providertest.Behavior) { b.TTSLink = c.link })
			cl, err := New(http.DefaultClient, srv.URL, "k", c.model, c.voice, policy.Client(), aiml.NewHealth())
			if (err != nil) != c.wrongVoice {
				t.Fatalf("voice %q: error %v", c.voice, err)
			}
			if v := aiml.VoiceFor(cl.model, cl.voice, "en"); v != c.want {
				t.Errorf("voice %q, want %q", v, c.want)
			}
			m := &aiml.Meter{}
			audio, err := cl.Speak(aiml.WithMeter(context.Background(), m), "hello", "en")
			if err != nil || string(audio[:4]) != "RIFF" {
				t.Fatalf("%v %q (refusals %q)", err, audio[:min(4, len(audio))], srv.Refusals())
			}
			if c.link && m.USD() != providertest.SpeechUSD {
				t.Errorf("cost %v, want %v from the JSON answer", m.USD(), providertest.SpeechUSD)
			}
		})
	}
	if r := srv.Refusals(); len(r) > 0 {
		t.Errorf("bodies refused by their schema: %q", r)
	}
	srv.Set(func(b *providertest.Behavior) { b.TTSStatus = 500 })
	cl, _ := New(http.DefaultClient, srv.URL, "k", "openai/tts-1", "", policy.Client(), aiml.NewHealth())
	if _, err := cl.Speak(context.Background(), "x", "en"); aiml.KindOf(err) != aiml.KindModelFailed {
		t.Errorf("500: %v, want a model failure", err)
	}
	if _, err := cl.Speak(context.Background(), "x", "en"); !errors.Is(err, meme.ErrModelGone) {
		t.Errorf("after a 500 the model is skipped: %v", err)
	}
}

func TestAudioURLAndSniff(t *testing.T) {
	for body, want := range map[string]string{
		`{"url":"http://a/1.mp3"}`:              "http://a/1.mp3",
		`{"audio":{"url":"http://a/2.wav"}}`:    "http://a/2.wav",
		`{"audio":"http://a/5.mp3","meta":{}}`:  "http://a/5.mp3",
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

// FuzzAudioURL: any JSON answer is read without panicking; a link found
// is never empty.
func FuzzAudioURL(f *testing.F) {
	for _, s := range []string{`{"audio":"http://a/1.mp3","meta":{}}`, `{"audio":{"url":"x"}}`, `{"data":[{"audio_url":"y"}]}`, `{"audio":5}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		link, err := AudioURL(body)
		if err == nil && link == "" {
			t.Fatal("empty link without an error")
		}
		if err == nil && strings.HasPrefix(link, "data:") {
			_, _ = dataURL(link)
		}
	})
}
