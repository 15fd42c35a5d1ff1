void f(int x)
{
	use(x ? left() : right());
}
