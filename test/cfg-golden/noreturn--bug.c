void f(int x)
{
	if (x)
		BUG();
	a();
	BUG();
	b();
}
