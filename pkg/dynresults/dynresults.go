// Package dynresults is the results table on DynamoDB: one item per
// result_id, written with UpdateItem so the generation side and the battle
// side (written by the stats function) never clobber each other.
package dynresults

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"punchline/pkg/meme"
)

// API is the DynamoDB calls the store makes (*dynamodb.Client has them).
type API interface {
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// KeyAttr is the table's partition key (N).
const KeyAttr = "result_id"

// Store writes result items to table.
type Store struct {
	api   API
	table string
}

// New returns a store for table.
func New(api API, table string) *Store { return &Store{api: api, table: table} }

// PutGeneration sets the generation attributes of rec's item, leaving every
// other attribute as it is.
func (s *Store) PutGeneration(ctx context.Context, rec meme.Record) error {
	av, err := attributevalue.MarshalMap(rec)
	if err != nil {
		return fmt.Errorf("marshal result %d: %w", rec.ResultID, err)
	}
	delete(av, KeyAttr)
	in := SetItem(s.table, key(rec.ResultID), av)
	if _, err := s.api.UpdateItem(ctx, in); err != nil {
		return fmt.Errorf("update result %d in %s: %w", rec.ResultID, s.table, err)
	}
	return nil
}

// SetItem builds an UpdateItem that SETs attrs on the item at key, with
// placeholder names so reserved words (type, text, bytes, …) are safe.
func SetItem(table string, key, attrs map[string]types.AttributeValue) *dynamodb.UpdateItemInput {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names) // stable expressions: easier to read in logs and tests
	in := &dynamodb.UpdateItemInput{
		TableName:                 aws.String(table),
		Key:                       key,
		ExpressionAttributeNames:  make(map[string]string, len(names)),
		ExpressionAttributeValues: make(map[string]types.AttributeValue, len(names)),
	}
	expr := "SET "
	for i, n := range names {
		if i > 0 {
			expr += ", "
		}
		k := "#a" + strconv.Itoa(i)
		v := ":v" + strconv.Itoa(i)
		expr += k + " = " + v
		in.ExpressionAttributeNames[k] = n
		in.ExpressionAttributeValues[v] = attrs[n]
	}
	in.UpdateExpression = aws.String(expr)
	return in
}
