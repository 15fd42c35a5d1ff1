/*
B0:
  B0 -> B2 fall
B2:
  B2 -> B3 true
  B2 -> B4 false
B3: visit(p)
  B3 -> B2 back
B4: done(); return (end)
  B4 -> exit return
*/
struct item;

void f(struct list_head *head)
{
	struct item *p;

	list_for_each_entry(p, head, node) {
		visit(p);
	}
	done();
}
