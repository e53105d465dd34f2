// Command predict is punchline's arena endpoint: the function URL's handler
// on Lambda, an HTTP server on PORT locally. Wiring only; the work is in pkg/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambdaurl"

	"punchline/pkg/assemble"
	"punchline/pkg/language"
	"punchline/pkg/platform/config"
	"punchline/pkg/platform/reqlog"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "predict:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadPredict(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log := reqlog.New(stdout, slog.LevelInfo)
	// The language models load at cold start (about 160 ms; on Lambda in
	// the init phase), never inside a request's budget.
	language.Warm()

	if cfg.OnLambda {
		h, closeFn, err := newHandler(ctx, cfg, getenv, log)
		if err != nil {
			return err
		}
		defer closeFn()
		lambdaurl.Start(h)
		return nil
	}

	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.ListenAddr, cfg.Port))
	if err != nil {
		return fmt.Errorf("listen on %s port %s: %w", cfg.ListenAddr, cfg.Port, err)
	}
	cfg.MediaBaseURL = "http://" + linkHost(ln.Addr().(*net.TCPAddr))
	h, closeFn, err := newHandler(ctx, cfg, getenv, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer closeFn()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	// Logged before serving: the socket is already bound, and whoever
	// reaches it should find this line first.
	log.Info("listening", "addr", ln.Addr().String(), "url", cfg.MediaBaseURL, "online", cfg.Online())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// newHandler builds the application (stores, templates, the joke engine,
// provider clients, pipeline) and returns its HTTP handler.
func newHandler(ctx context.Context, cfg config.Predict, getenv func(string) string, log *slog.Logger) (http.Handler, func(), error) {
	app, err := assemble.Predict(ctx, cfg, getenv, log)
	if err != nil {
		return nil, nil, err
	}
	return app.Handler, app.Close, nil
}

// linkHost is where links to local media point: localhost when the
// listener is on 127.0.0.1 or all interfaces (as links always were), else
// its address (localhost need not resolve to ::1).
func linkHost(a *net.TCPAddr) string {
	if a.IP.IsUnspecified() || a.IP.Equal(net.IPv4(127, 0, 0, 1)) {
		return fmt.Sprintf("localhost:%d", a.Port)
	}
	return a.String()
}
