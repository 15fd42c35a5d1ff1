void f(void)
{
	int v = ({ a(); b(); });

	if (v)
		c();
}
