-- Global search (issue 4): one GIN index per kind of record, so a search for contacts reads
-- only contact documents that hold the word, not every customer document that does. The
-- queries name the kind as a literal, which lets the planner choose these partial indexes.
CREATE INDEX customer_search_customer_tokens_idx ON customer_search USING GIN (string_to_array(tokens, ' '))
    WHERE entity = 'customer';
CREATE INDEX customer_search_contact_tokens_idx ON customer_search USING GIN (string_to_array(tokens, ' '))
    WHERE entity = 'contact';
