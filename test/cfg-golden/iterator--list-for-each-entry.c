struct item;

void f(struct list_head *head)
{
	struct item *p;

	list_for_each_entry(p, head, node) {
		visit(p);
	}
	done();
}
