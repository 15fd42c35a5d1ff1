void f(int a, int b)
{
	if (a && b)
		both();
	after();
}
