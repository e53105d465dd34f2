// Package samtemplate reads what the tests check against from the SAM
// template (template.yaml): each function's environment variable names and
// each DynamoDB table's keys and indexes. The template is the one
// definition of both; tests build their tables from it and compare the
// configuration with it, so the two cannot drift apart.
package samtemplate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	yaml "go.yaml.in/yaml/v3"
)

// Template is the part of template.yaml the tests read. CloudFormation's
// short tags (!Ref, !If, …) decode as plain values, which is all a name
// or a key schema needs.
type Template struct {
	Globals struct {
		Function struct {
			Environment environment `yaml:"Environment"`
		} `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]Resource `yaml:"Resources"`
}

// Resource is one resource; Properties are decoded by type on demand.
type Resource struct {
	Type       string    `yaml:"Type"`
	Properties yaml.Node `yaml:"Properties"`
}

type environment struct {
	Variables map[string]yaml.Node `yaml:"Variables"`
}

// Table is a DynamoDB table's key schema and indexes.
type Table struct {
	BillingMode          string      `yaml:"BillingMode"`
	AttributeDefinitions []Attribute `yaml:"AttributeDefinitions"`
	KeySchema            []KeyPart   `yaml:"KeySchema"`
	GlobalIndexes        []Index     `yaml:"GlobalSecondaryIndexes"`
}

// Attribute is a key attribute's name and type (S, N or B).
type Attribute struct {
	Name string `yaml:"AttributeName"`
	Type string `yaml:"AttributeType"`
}

// KeyPart is one element of a key schema (HASH or RANGE).
type KeyPart struct {
	Name    string `yaml:"AttributeName"`
	KeyType string `yaml:"KeyType"`
}

// Index is a global secondary index.
type Index struct {
	Name       string    `yaml:"IndexName"`
	KeySchema  []KeyPart `yaml:"KeySchema"`
	Projection struct {
		Type string `yaml:"ProjectionType"`
	} `yaml:"Projection"`
}

// Path finds template.yaml at the module root, searching up from the
// working directory (a package's directory under go test).
func Path() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "template.yaml"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("template.yaml: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Load reads the module's template.yaml.
func Load() (*Template, error) {
	path, err := Path()
	if err != nil {
		return nil, err
	}
	return Read(path)
}

// Read parses the template at path.
func Read(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Parse parses a template.
func Parse(b []byte) (*Template, error) {
	var t Template
	if err := yaml.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	return &t, nil
}

// Functions are the logical ids of the AWS::Serverless::Function resources, sorted.
func (t *Template) Functions() []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == "AWS::Serverless::Function" {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// Env is the sorted names of the environment variables function id gets,
// its own and the Globals'.
func (t *Template) Env(id string) ([]string, error) {
	r, ok := t.Resources[id]
	if !ok || r.Type != "AWS::Serverless::Function" {
		return nil, fmt.Errorf("template: no function %s", id)
	}
	var props struct {
		Environment environment `yaml:"Environment"`
	}
	if err := r.Properties.Decode(&props); err != nil {
		return nil, fmt.Errorf("template: %s properties: %w", id, err)
	}
	seen := map[string]bool{}
	for name := range t.Globals.Function.Environment.Variables {
		seen[name] = true
	}
	for name := range props.Environment.Variables {
		seen[name] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// Table is the definition of the AWS::DynamoDB::Table resource id.
func (t *Template) Table(id string) (Table, error) {
	r, ok := t.Resources[id]
	if !ok || r.Type != "AWS::DynamoDB::Table" {
		return Table{}, fmt.Errorf("template: no table %s", id)
	}
	var tb Table
	if err := r.Properties.Decode(&tb); err != nil {
		return Table{}, fmt.Errorf("template: %s properties: %w", id, err)
	}
	if len(tb.KeySchema) == 0 {
		return Table{}, fmt.Errorf("template: table %s has no key schema", id)
	}
	return tb, nil
}
